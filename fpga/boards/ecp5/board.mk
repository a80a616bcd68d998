# BOARD=ecp5: synth_ecp5 for an LFE5U-25F, LUT count only (no ECP5 place and route is packaged
# in Debian).
FAMILY      := ecp5
DEVICE      := 25k
TOP_SRC     := rtl_templates/tg_top_core.v
TOP         := tg_top_core
# Token-only units (a --head-token model's) fold into one table of the last token per logit.
BOARD_GEN_FLAGS := --fold-token-units
