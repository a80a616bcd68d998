`default_nettype none
// 8N1 UART receiver. The line is synchronised with two flip-flops; a falling edge starts a
// frame, the start bit is re-checked half a bit later (glitches are dropped), then each data
// bit and the stop bit are sampled in the middle of their bit time. `valid` pulses for one
// clock with `data` when a frame ends with a good stop bit; a frame with a bad stop bit is
// dropped. The receiver is ready for the next start bit from the middle of the stop bit on,
// so back-to-back frames are taken even when the sender's clock is a little fast.
module uart_rx #(
  parameter integer CLKS_PER_BIT = 104
) (
  input  wire       clk,
  input  wire       rst,
  input  wire       rx,
  output reg        valid,
  output reg  [7:0] data
);
  localparam integer CW = CLKS_PER_BIT > 2 ? $clog2(CLKS_PER_BIT) : 1;
  localparam [CW-1:0] LAST = CLKS_PER_BIT[CW-1:0] - 1'b1;
  localparam [CW-1:0] HALF = LAST >> 1;

  reg          rx_meta, rx_s;
  reg          active;
  reg [3:0]    bitno;  // 0: start bit, 1..8: data bits, 9: stop bit
  reg [CW-1:0] cnt;

  always @(posedge clk) begin
    rx_meta <= rx;
    rx_s    <= rx_meta;
    valid   <= 1'b0;
    if (rst) begin
      rx_meta <= 1'b1;
      rx_s    <= 1'b1;
      active  <= 1'b0;
      bitno   <= 4'd0;
      cnt     <= {CW{1'b0}};
      data    <= 8'h00;
    end else if (!active) begin
      if (!rx_s) begin
        active <= 1'b1;
        bitno  <= 4'd0;
        cnt    <= HALF;
      end
    end else if (cnt != {CW{1'b0}}) begin
      cnt <= cnt - 1'b1;
    end else begin
      cnt <= LAST;
      if (bitno == 4'd0) begin
        if (rx_s) active <= 1'b0;  // a glitch, not a start bit
      end else if (bitno == 4'd9) begin
        active <= 1'b0;
        valid  <= rx_s;
      end else begin
        data <= {rx_s, data[7:1]};
      end
      bitno <= bitno + 4'd1;
    end
  end
endmodule

`default_nettype wire
