# BOARD=xilinx: synth_xilinx (7-series), LUT6 count only (no place and route).
FAMILY      := xilinx
DEVICE      := xc7a35t
TOP_SRC     := rtl_templates/tg_top_core.v
TOP         := tg_top_core
