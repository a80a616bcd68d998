# BOARD=generic: technology-independent gates (ABC mapped to AND/OR/XOR/MUX/NOT), with a
# two-input-gate equivalent count.
FAMILY      := generic
DEVICE      := generic
TOP_SRC     := rtl_templates/tg_top_core.v
TOP         := tg_top_core
