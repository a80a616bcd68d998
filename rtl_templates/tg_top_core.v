`default_nettype none
// Core-only top for synthesis and timing: registers the inputs so that every timed path is
// register to register, and exposes only the token interface (the debug state and logits
// ports stay inside). Widths come from the generated tg_config.vh. A core with a loaded
// head.context table (gen --context-load: TG_CTX_LOAD) also gets the SPI flash pins and
// tg_ctx_loader, which fills the table after configuration; the core is held in reset (and
// out_valid low) until it is done.
`include "tg_config.vh"

module tg_top_core (
  input  wire                      clk,
  input  wire                      rst,
  input  wire                      in_valid,
  input  wire [`TG_TOKEN_BITS-1:0] in_token,
  input  wire                      gen,
`ifdef TG_CTX_LOAD
  output wire                      flash_csn,
  output wire                      flash_sck,
  output wire                      flash_mosi,
  input  wire                      flash_miso,
`endif
  output wire                      out_valid,
  output wire [`TG_TOKEN_BITS-1:0] out_token
);
  reg                      rst_q, valid_q, gen_q;
  reg [`TG_TOKEN_BITS-1:0] token_q;
  always @(posedge clk) begin
    rst_q   <= rst;
    valid_q <= in_valid;
    gen_q   <= gen;
    token_q <= in_token;
  end

`ifdef TG_CTX_LOAD
  wire                          ctx_done, ctx_we;
  wire [`TG_CTX_ADDR_BITS-1:0]  ctx_waddr;
  wire [`TG_CTX_WIDTH-1:0]      ctx_wdata;
  tg_ctx_loader #(.ADDR_BITS(`TG_CTX_ADDR_BITS), .WIDTH(`TG_CTX_WIDTH), .FLASH_ADDR(`TG_CTX_FLASH_ADDR)) loader (
    .clk(clk), .done(ctx_done), .ctx_we(ctx_we), .ctx_waddr(ctx_waddr), .ctx_wdata(ctx_wdata),
    .flash_csn(flash_csn), .flash_sck(flash_sck), .flash_mosi(flash_mosi), .flash_miso(flash_miso)
  );
  wire core_rst = rst_q | ~ctx_done;
`else
  wire core_rst = rst_q;
`endif

  /* verilator lint_off PINCONNECTEMPTY */
  `TG_CORE core (
    .clk(clk), .rst(core_rst), .in_valid(valid_q), .in_token(token_q), .gen(gen_q),
    .out_valid(out_valid), .out_token(out_token), .state(), .logits()
`ifdef TG_HAS_READY
    , .in_ready()
`endif
`ifdef TG_CTX_LOAD
    , .ctx_we(ctx_we), .ctx_waddr(ctx_waddr), .ctx_wdata(ctx_wdata)
`endif
  );
  /* verilator lint_on PINCONNECTEMPTY */
endmodule

`default_nettype wire
