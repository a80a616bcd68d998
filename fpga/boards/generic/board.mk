# BOARD=generic: technology-independent gates (ABC mapped to AND/OR/XOR/MUX/NOT), with a
# two-input-gate equivalent count.
FAMILY      := generic
DEVICE      := generic
TOP_SRC     := rtl_templates/tg_top_core.v
TOP         := tg_top_core
# Token-only units (a --head-token model's) fold into one table of the last token per logit.
BOARD_GEN_FLAGS := --fold-token-units
