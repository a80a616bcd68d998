`default_nettype none
// Board top: the model core behind a UART. Protocol (docs/board-protocol.md):
//   0x02 N_lo N_hi  generate N characters (free-running greedy decoding)
//   0x04            generate GEN_DEFAULT characters (one key press in a terminal: Ctrl-D)
//   0x03            stop generating (Ctrl-C)
//   0x12            reset the model state (Ctrl-R); also stops generating
//   other bytes     in the vocabulary: one teacher-forced step each; outside it: ignored
// While generating, only 0x03 and 0x12 are acted on; other received bytes are dropped.
// Flow control: a generated character costs one UART frame, so the core steps with its own
// prediction only on the clock where the transmitter takes the predicted byte; no output is
// lost and the state always matches the text sent. Prompt bytes take one clock each, far
// less than a frame, so the receiver needs no buffer beyond its one-byte register.
// Timing: the UART leaves about a thousand clocks per character, so the argmax is done
// serially here instead of by the core's comparator tree: after each step the core's logits
// are loaded into a shift register and compared one per clock (V + 2 clocks, lowest index
// winning ties, as in the model), and the winner (pred_q) is fed back through in_token with
// gen = 0. The clock period then holds only state -> logit sums, or token -> next state;
// the core's own argmax (out_token) is unused and removed by synthesis.
//
// CLK_FREQ_HZ / BAUD must give a bit time within 2% of the exact value and at least 4 clocks;
// otherwise elaboration stops with an error.
`include "tg_config.vh"

module tg_top_uart #(
  parameter integer CLK_FREQ_HZ = 12000000,
  parameter integer BAUD        = 115200,
  parameter integer GEN_DEFAULT = 256
) (
  input  wire clk,
  input  wire uart_rx,
  output wire uart_tx,
`ifdef TG_CTX_LOAD
  // gen --context-load: tg_ctx_loader reads the head.context table from the SPI flash after
  // configuration; the whole top stays in reset until it is done (about 0.2 s at 12 MHz).
  output wire flash_sck,
  output wire flash_mosi,
  input  wire flash_miso,
`endif
  output wire flash_cs_n  // without a loaded table, held high: keeps the flash off the SPI pins
);
  localparam integer TB = `TG_TOKEN_BITS;
  localparam integer V  = `TG_VOCAB;
  localparam integer LW = `TG_LOGIT_BITS;
  localparam [TB-1:0] LAST_TOK = V[TB-1:0] - 1'b1;
  localparam integer CLKS_PER_BIT = (CLK_FREQ_HZ + BAUD / 2) / BAUD;
  // |CLK_FREQ_HZ - CLKS_PER_BIT*BAUD| / (CLKS_PER_BIT*BAUD) > 2%, in integers that fit 32 bits.
  localparam integer BAUD_DIFF = CLK_FREQ_HZ > CLKS_PER_BIT * BAUD ? CLK_FREQ_HZ - CLKS_PER_BIT * BAUD
                                                                   : CLKS_PER_BIT * BAUD - CLK_FREQ_HZ;
  localparam BAUD_BAD = CLKS_PER_BIT < 4 || BAUD_DIFF * 50 > CLKS_PER_BIT * BAUD;

  generate
    if (BAUD_BAD) begin : g_bad_baud
      $error("tg_top_uart: BAUD cannot be generated from CLK_FREQ_HZ within 2 percent, or gives under 4 clocks per bit");
    end
  endgenerate

  localparam [7:0] CMD_GEN = 8'h02, CMD_STOP = 8'h03, CMD_GEN_DEFAULT = 8'h04, CMD_RESET = 8'h12;

`ifdef TG_CTX_LOAD
  wire                         ctx_done, ctx_we;
  wire [`TG_CTX_ADDR_BITS-1:0] ctx_waddr;
  wire [`TG_CTX_WIDTH-1:0]     ctx_wdata;
  tg_ctx_loader #(.ADDR_BITS(`TG_CTX_ADDR_BITS), .WIDTH(`TG_CTX_WIDTH), .FLASH_ADDR(`TG_CTX_FLASH_ADDR)) loader (
    .clk(clk), .done(ctx_done), .ctx_we(ctx_we), .ctx_waddr(ctx_waddr), .ctx_wdata(ctx_wdata),
    .flash_csn(flash_cs_n), .flash_sck(flash_sck), .flash_mosi(flash_mosi), .flash_miso(flash_miso)
  );
`else
  wire ctx_done = 1'b1;
  assign flash_cs_n = 1'b1;
`endif

  `include "tg_vocab.vh"

  // Power-on reset: the flip-flops start at zero after configuration (and, with a loaded
  // head.context table, the reset lasts until the loader is done).
  reg [3:0] por = 4'd0;
  wire      rst = por != 4'hf || !ctx_done;
  always @(posedge clk)
    if (rst) por <= por + 4'd1;

  wire       rx_valid;
  wire [7:0] rx_data;
  uart_rx #(.CLKS_PER_BIT(CLKS_PER_BIT)) u_rx (
    .clk(clk), .rst(rst), .rx(uart_rx), .valid(rx_valid), .data(rx_data)
  );

  reg           core_rst;      // registered reset pulse for the core
  reg  [1:0]    arg_state;     // 0: command byte expected, 1: N_lo, 2: N_hi
  reg  [7:0]    n_lo;
  reg  [15:0]   gen_left;      // characters still to generate
  reg           prompt_step;   // a teacher-forced step on this clock
  reg  [TB-1:0] prompt_tok;
  wire          tx_busy;
  wire          generating = gen_left != 16'd0;
  wire [TB:0]   mapped = tg_vocab_token(rx_data);
  reg  [TB-1:0] pred_q;        // argmax of the current state's logits
  reg           pred_ok;       // pred_q is valid for the current state
  wire          gen_step = generating && pred_ok && !tx_busy && !prompt_step && !core_rst;
  wire          core_step = prompt_step | gen_step;

  // Serial argmax. A step (or reset) at edge E changes the state; logits_q takes the new
  // logits at E+1 (scan_load) and then shifts down one logit per clock, so that logit
  // scan_idx is always in its low bits and is compared with the best so far.
  wire [V*LW-1:0]     logits;
  reg  [V*LW-1:0]     logits_q;
  reg                 scan_load, scanning;
  reg  [TB-1:0]       scan_idx, best_idx;
  reg  signed [LW-1:0] best_val;
  wire signed [LW-1:0] cur_val = logits_q[LW-1:0];
  wire                take = scan_idx == {TB{1'b0}} || cur_val > best_val;
  wire [TB-1:0]       next_best = take ? scan_idx : best_idx;

  always @(posedge clk) begin
    if (scan_load) logits_q <= logits;
    else logits_q <= logits_q >> LW;
    if (rst || core_rst || core_step) begin
      pred_ok   <= 1'b0;
      scan_load <= 1'b1;
      scanning  <= 1'b0;
    end else if (scan_load) begin
      scan_load <= 1'b0;
      scanning  <= 1'b1;
      scan_idx  <= {TB{1'b0}};
    end else if (scanning) begin
      if (take) best_val <= cur_val;
      best_idx <= next_best;
      scan_idx <= scan_idx + 1'b1;
      if (scan_idx == LAST_TOK) begin
        scanning <= 1'b0;
        pred_ok  <= 1'b1;
        pred_q   <= next_best;
      end
    end
  end

  always @(posedge clk) begin
    prompt_step <= 1'b0;
    core_rst    <= 1'b0;
    if (rst) begin
      core_rst  <= 1'b1;
      arg_state <= 2'd0;
      n_lo      <= 8'h00;
      gen_left  <= 16'd0;
      prompt_tok <= {TB{1'b0}};
    end else begin
      if (gen_step) gen_left <= gen_left - 16'd1;
      if (rx_valid) begin
        if (arg_state == 2'd1) begin
          n_lo      <= rx_data;
          arg_state <= 2'd2;
        end else if (arg_state == 2'd2) begin
          gen_left  <= {rx_data, n_lo};
          arg_state <= 2'd0;
        end else if (rx_data == CMD_STOP) begin
          gen_left <= 16'd0;
        end else if (rx_data == CMD_RESET) begin
          gen_left <= 16'd0;
          core_rst <= 1'b1;
        end else if (!generating) begin
          if (rx_data == CMD_GEN) arg_state <= 2'd1;
          else if (rx_data == CMD_GEN_DEFAULT) gen_left <= GEN_DEFAULT[15:0];
          else if (mapped[TB]) begin
            prompt_step <= 1'b1;
            prompt_tok  <= mapped[TB-1:0];
          end
        end
      end
    end
  end

  uart_tx #(.CLKS_PER_BIT(CLKS_PER_BIT)) u_tx (
    .clk(clk), .rst(rst), .start(gen_step), .data(tg_vocab_byte(pred_q)), .tx(uart_tx), .busy(tx_busy)
  );

  /* verilator lint_off PINCONNECTEMPTY */
  `TG_CORE core (
    .clk(clk), .rst(core_rst), .in_valid(core_step), .in_token(prompt_step ? prompt_tok : pred_q), .gen(1'b0),
    .out_valid(), .out_token(), .state(), .logits(logits)
`ifdef TG_CTX_LOAD
    , .ctx_we(ctx_we), .ctx_waddr(ctx_waddr), .ctx_wdata(ctx_wdata)
`endif
  );
  /* verilator lint_on PINCONNECTEMPTY */
endmodule

`default_nettype wire
