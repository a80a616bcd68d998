# BOARD=icebreaker: 1BitSquared iCEBreaker v1.0, iCE40UP5K-SG48, 12 MHz oscillator, UART over
# the FTDI FT2232H (second serial port, /dev/ttyUSB1 on Linux). Protocol: docs/board-protocol.md.
FAMILY      := ice40
DEVICE      := up5k
PACKAGE     := sg48
CLK_FREQ_HZ := 12000000
BAUD        := 115200
PROGRAMMER  := iceprog
TOP_SRC     := rtl_templates/uart_rx.v rtl_templates/uart_tx.v rtl_templates/tg_top_uart.v rtl_templates/tg_ctx_loader.v
TOP         := tg_top_uart
PCF         := fpga/boards/icebreaker/pinout.pcf
TIMING_MUST_MEET := 1
# Generator options unless GEN_FLAGS is given: token tables in EBR, token-only units folded into the
# head (the UART top has its own serial argmax).
# A head.context table (if the model has one) goes to the four SPRAMs, loaded from the flash at
# power-up (tg_ctx.bin at 1 MiB: make prog writes it).
BOARD_GEN_FLAGS := --token-rom --token-rom-bits=480 --fold-token-units --context-load
SYNTH_OPTS      := -spram
