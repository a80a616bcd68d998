# BOARD=icestick: Lattice iCEstick, iCE40HX1K-TQ144 (1280 LUT4), 12 MHz, UART over the FTDI
# FT2232H (second serial port). Only small models fit: see docs/board-protocol.md (capacity).
FAMILY      := ice40
DEVICE      := hx1k
PACKAGE     := tq144
CLK_FREQ_HZ := 12000000
BAUD        := 115200
PROGRAMMER  := iceprog
TOP_SRC     := rtl_templates/uart_rx.v rtl_templates/uart_tx.v rtl_templates/tg_top_uart.v
TOP         := tg_top_uart
PCF         := fpga/boards/icestick/pinout.pcf
TIMING_MUST_MEET := 1
# Generator options unless GEN_FLAGS is given: token tables in EBR, token-only units folded into the
# head (the UART top has its own serial argmax).
BOARD_GEN_FLAGS := --token-rom --token-rom-bits=256 --fold-token-units
