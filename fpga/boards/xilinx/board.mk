# BOARD=xilinx: synth_xilinx (7-series), LUT6 count only (no place and route).
FAMILY      := xilinx
DEVICE      := xc7a35t
TOP_SRC     := rtl_templates/tg_top_core.v
TOP         := tg_top_core
# Token-only units (a --head-token model's) fold into one table of the last token per logit.
BOARD_GEN_FLAGS := --fold-token-units
