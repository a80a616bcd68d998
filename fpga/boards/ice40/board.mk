# BOARD=ice40: the default iCE40 target, an UP5K (SG48) with the core-only top and free pin
# placement. Reports LUT4, flip-flops and Fmax.
FAMILY      := ice40
DEVICE      := up5k
PACKAGE     := sg48
CLK_FREQ_HZ := 12000000
TOP_SRC     := rtl_templates/tg_top_core.v rtl_templates/tg_ctx_loader.v
TOP         := tg_top_core
PCF         :=
PROGRAMMER  := iceprog
# The core-only target reports the Fmax it reaches; boards with a real clock fail when the
# clock constraint is not met.
TIMING_MUST_MEET := 0
PNR_FREQ_MHZ     := 48
# Generator options unless GEN_FLAGS is given: token tables in EBR; token-only units folded into
# one table of the last token per logit (also in EBR); logits, argmax (twice) and token registered;
# a head.context table (if the model has one) in the four SPRAMs, loaded from the SPI flash at
# power-up (tg_ctx.bin at 1 MiB; the flash pins are free here, see fpga/boards/icebreaker).
BOARD_GEN_FLAGS := --token-rom --token-rom-bits=480 --fold-token-units --pipeline-head 4 --context-load
SYNTH_OPTS      := -spram
