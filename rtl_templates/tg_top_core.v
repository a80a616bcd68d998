`default_nettype none
// Core-only top for synthesis and timing: registers the inputs so that every timed path is
// register to register, and exposes only the token interface (the debug state and logits
// ports stay inside). Widths come from the generated tg_config.vh.
`include "tg_config.vh"

module tg_top_core (
  input  wire                      clk,
  input  wire                      rst,
  input  wire                      in_valid,
  input  wire [`TG_TOKEN_BITS-1:0] in_token,
  input  wire                      gen,
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

  /* verilator lint_off PINCONNECTEMPTY */
  `TG_CORE core (
    .clk(clk), .rst(rst_q), .in_valid(valid_q), .in_token(token_q), .gen(gen_q),
    .out_valid(out_valid), .out_token(out_token), .state(), .logits()
`ifdef TG_HAS_READY
    , .in_ready()
`endif
  );
  /* verilator lint_on PINCONNECTEMPTY */
endmodule

`default_nettype wire
