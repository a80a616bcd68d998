# BOARD=ecp5: synth_ecp5 for an LFE5U-25F, LUT count only (no ECP5 place and route is packaged
# in Debian).
FAMILY      := ecp5
DEVICE      := 25k
TOP_SRC     := rtl_templates/tg_top_core.v
TOP         := tg_top_core
