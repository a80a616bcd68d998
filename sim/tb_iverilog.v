`default_nettype none
// Icarus Verilog bench for a generated core: the peer simulator. Reads one stimulus line per
// clock cycle (hex: rst in_valid gen in_token) from +stim=FILE, applies it before a rising
// edge, and after the edge writes the observable outputs (hex: state, logits, out_token,
// out_valid) to +trace=FILE. sim/ref_trace.cpp writes the stimulus and the reference's
// expected trace in the same format; the two traces must be identical line by line.
//
// A core generated with --pipeline-head P (tg_config.vh: TG_HAS_READY) also has in_ready: it
// is sampled once the stimulus has settled, before the edge, and written as a fifth field.
// out_token is the prediction of the state P edges earlier, so it is undefined for the first P
// cycles after power-up: those lines write "-" for it (the reference writes the same).
`include "tg_config.vh"

module tb_iverilog;
  reg clk = 1'b1, rst = 1'b0, in_valid = 1'b0, gen = 1'b0;
  reg [`TG_TOKEN_BITS-1:0] in_token = 0;
  wire out_valid;
  wire [`TG_TOKEN_BITS-1:0] out_token;
  wire [`TG_REGS-1:0] state;
  wire [`TG_VOCAB*`TG_LOGIT_BITS-1:0] logits;
`ifdef TG_HAS_READY
  wire in_ready;
  reg ready_seen;
`endif

`ifdef TG_CTX_LOAD
  // gen --context-load: the table comes from a flash image (+flash=tg_ctx.hex) through
  // tg_ctx_loader, as on the board; the stimulus starts once the loader is done, the core held
  // in reset until then.
  wire ctx_done, ctx_we, flash_csn, flash_sck, flash_mosi, flash_miso;
  wire [`TG_CTX_ADDR_BITS-1:0] ctx_waddr;
  wire [`TG_CTX_WIDTH-1:0] ctx_wdata;
  tg_ctx_loader #(.ADDR_BITS(`TG_CTX_ADDR_BITS), .WIDTH(`TG_CTX_WIDTH), .FLASH_ADDR(`TG_CTX_FLASH_ADDR),
                  .WAKE_CYCLES(40)) loader (
    .clk(clk), .done(ctx_done), .ctx_we(ctx_we), .ctx_waddr(ctx_waddr), .ctx_wdata(ctx_wdata),
    .flash_csn(flash_csn), .flash_sck(flash_sck), .flash_mosi(flash_mosi), .flash_miso(flash_miso));
  spi_flash_model #(.BYTES(`TG_CTX_IMAGE_BYTES), .BASE(`TG_CTX_FLASH_ADDR)) flash (
    .csn(flash_csn), .sck(flash_sck), .mosi(flash_mosi), .miso(flash_miso));
`endif

  `TG_CORE dut (
`ifdef TG_CTX_LOAD
    .clk(clk), .rst(rst | ~ctx_done), .ctx_we(ctx_we), .ctx_waddr(ctx_waddr), .ctx_wdata(ctx_wdata),
`else
    .clk(clk), .rst(rst),
`endif
    .in_valid(in_valid), .in_token(in_token), .gen(gen),
`ifdef TG_HAS_READY
    .in_ready(in_ready),
`endif
    .out_valid(out_valid), .out_token(out_token), .state(state), .logits(logits)
  );

  integer fin, fout, n, cycle;
  reg [31:0] r, v, g, t;
  reg [1023:0] stim, trace;
  initial begin
    if (!$value$plusargs("stim=%s", stim)) begin $display("tb_iverilog: +stim=FILE missing"); $finish; end
    if (!$value$plusargs("trace=%s", trace)) begin $display("tb_iverilog: +trace=FILE missing"); $finish; end
    fin = $fopen(stim, "r");
    fout = $fopen(trace, "w");
    if (fin == 0) begin $display("tb_iverilog: cannot open the stimulus"); $finish; end
    cycle = 0;
`ifdef TG_CTX_LOAD
    while (!ctx_done) begin #1 clk = 1'b0; #1 clk = 1'b1; #1; end
`endif
    n = $fscanf(fin, "%h %h %h %h\n", r, v, g, t);
    while (n == 4) begin
      rst = r[0]; in_valid = v[0]; gen = g[0]; in_token = t[`TG_TOKEN_BITS-1:0];
      // The falling edge comes after the stimulus (a core made with --token-rom reads its token
      // ROM on it), the rising edge after that.
      #1 clk = 1'b0;
`ifdef TG_HAS_READY
      #1 ready_seen = in_ready;
`endif
      #1 clk = 1'b1;
      #1;
      if (cycle < `TG_PIPELINE_HEAD) $fwrite(fout, "%h %h - %h", state, logits, out_valid);
      else $fwrite(fout, "%h %h %h %h", state, logits, out_token, out_valid);
`ifdef TG_HAS_READY
      $fwrite(fout, " %b", ready_seen);
`endif
      $fwrite(fout, "\n");
      cycle = cycle + 1;
      n = $fscanf(fin, "%h %h %h %h\n", r, v, g, t);
    end
    $fclose(fout);
    $finish;
  end
endmodule
