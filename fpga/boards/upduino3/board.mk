# BOARD=upduino3: tinyVision UPduino v3.x, iCE40UP5K-SG48, 12 MHz oscillator on gpio_20 (close
# the OSC jumper), UART through the FT232H after configuration (see pinout.pcf and
# docs/board-protocol.md for the caveats: the FT232H has one channel, shared with programming).
FAMILY      := ice40
DEVICE      := up5k
PACKAGE     := sg48
CLK_FREQ_HZ := 12000000
BAUD        := 115200
PROGRAMMER  := iceprog
TOP_SRC     := rtl_templates/uart_rx.v rtl_templates/uart_tx.v rtl_templates/tg_top_uart.v
TOP         := tg_top_uart
PCF         := fpga/boards/upduino3/pinout.pcf
TIMING_MUST_MEET := 1
# Generator options unless GEN_FLAGS is given: token tables in EBR, token-only units folded into the
# head (the UART top has its own serial argmax).
BOARD_GEN_FLAGS := --token-rom --token-rom-bits=480 --fold-token-units
