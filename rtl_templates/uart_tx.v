`default_nettype none
// 8N1 UART transmitter. `start` is taken when `busy` is low; `busy` rises on the next edge and
// falls when the stop bit has been on the line for a full bit time (10 bit times per byte).
module uart_tx #(
  parameter integer CLKS_PER_BIT = 104
) (
  input  wire       clk,
  input  wire       rst,
  input  wire       start,
  input  wire [7:0] data,
  output reg        tx,
  output wire       busy
);
  localparam integer CW = CLKS_PER_BIT > 2 ? $clog2(CLKS_PER_BIT) : 1;
  localparam [CW-1:0] LAST = CLKS_PER_BIT[CW-1:0] - 1'b1;

  reg [8:0]    shift;      // data bits then the stop bit, LSB first
  reg [3:0]    bits_left;  // bit periods still to finish on the line, the current one included
  reg [CW-1:0] cnt;

  assign busy = bits_left != 4'd0;

  always @(posedge clk) begin
    if (rst) begin
      tx        <= 1'b1;
      bits_left <= 4'd0;
      cnt       <= {CW{1'b0}};
      shift     <= 9'h1ff;
    end else if (!busy) begin
      if (start) begin
        tx        <= 1'b0;  // start bit
        shift     <= {1'b1, data};
        bits_left <= 4'd10;
        cnt       <= LAST;
      end
    end else if (cnt != {CW{1'b0}}) begin
      cnt <= cnt - 1'b1;
    end else begin
      cnt       <= LAST;
      bits_left <= bits_left - 4'd1;
      tx        <= shift[0];  // after the stop bit this shifts in idle ones
      shift     <= {1'b1, shift[8:1]};
    end
  end
endmodule

`default_nettype wire
