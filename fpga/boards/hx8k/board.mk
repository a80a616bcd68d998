# BOARD=hx8k: Lattice iCE40-HX8K breakout board, iCE40HX8K-CT256 (7680 LUT4), 12 MHz, UART over
# the FTDI FT2232H (second serial port).
FAMILY      := ice40
DEVICE      := hx8k
PACKAGE     := ct256
CLK_FREQ_HZ := 12000000
BAUD        := 115200
PROGRAMMER  := iceprog
TOP_SRC     := rtl_templates/uart_rx.v rtl_templates/uart_tx.v rtl_templates/tg_top_uart.v
TOP         := tg_top_uart
PCF         := fpga/boards/hx8k/pinout.pcf
TIMING_MUST_MEET := 1
# Generator options unless GEN_FLAGS is given: token tables in EBR, token-only units folded into the
# head (the UART top has its own serial argmax).
BOARD_GEN_FLAGS := --token-rom --token-rom-bits=512 --fold-token-units
