# Yosys synthesis script for every family, driven by Makefile.flow through the environment:
#   TG_FAMILY  ice40 | ecp5 | xilinx | generic
#   TG_TOP     top module (a core-only or board top from rtl_templates/)
#   TG_GEN     directory of the generated core (tg_core.v, tg_config.vh)
#   TG_SRCS    space-separated hand-written sources (the top and what it needs)
#   TG_OUT     output directory: synth.json (netlist) and stat.json (cell counts)
#   TG_DEFINES optional space-separated -D options for read_verilog
#   TG_PRE     optional yosys commands run after reading, separated by ';' (e.g. chparam)
#   TG_SYNTH_OPTS optional options of the family's synth command (the UP5K boards: -spram)
# Run: yosys -c synth/synth.tcl
yosys -import
set family $::env(TG_FAMILY)
set top    $::env(TG_TOP)
set gen    $::env(TG_GEN)
set out    $::env(TG_OUT)
set defs   [expr {[info exists ::env(TG_DEFINES)] ? $::env(TG_DEFINES) : ""}]
set sopts  [expr {[info exists ::env(TG_SYNTH_OPTS)] ? $::env(TG_SYNTH_OPTS) : ""}]

read_verilog -I$gen {*}$defs $gen/tg_core.v {*}$::env(TG_SRCS)
if {[info exists ::env(TG_PRE)]} {
  foreach cmd [split $::env(TG_PRE) ";"] {
    set c [string trim $cmd]
    if {$c ne ""} { yosys {*}$c }
  }
}

switch $family {
  ice40   { synth_ice40 -top $top -json $out/synth.json {*}$sopts }
  ecp5    { synth_ecp5 -top $top -json $out/synth.json }
  xilinx  { synth_xilinx -top $top -family xc7 -json $out/synth.json }
  generic {
    # Technology-independent gates: ABC maps to two-input gates and muxes.
    synth -top $top -flatten
    abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX
    opt_clean
    write_json $out/synth.json
  }
  default { error "synth.tcl: unknown TG_FAMILY '$family' (expected ice40, ecp5, xilinx or generic)" }
}
tee -q -o $out/stat.json stat -json
