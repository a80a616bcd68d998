`default_nettype none
// Loads the head.context table of a core generated with `tritgate gen --context-load` from the
// SPI flash after configuration (iCE40 SPRAM has no initial contents). It wakes the flash
// (0xAB, then WAKE_CYCLES idle cycles), reads from byte address FLASH_ADDR (0x03, SPI mode 0,
// SCK = clk / 2) the image that gen writes as tg_ctx.bin: 2^ADDR_BITS words of
// ceil(WIDTH / 8) bytes each, most significant byte first, word a for row a. Each word is
// written through the core's port (ctx_we / ctx_waddr / ctx_wdata) as it arrives; `done` rises
// after the last one, and the top holds the core in reset until then. Registers start from
// their power-up values (iCE40 flip-flops configure to 0), so the load runs once, after
// configuration, whatever the core's reset does.
module tg_ctx_loader #(
  parameter integer ADDR_BITS = 14,
  parameter integer WIDTH = 64,
  parameter [23:0] FLASH_ADDR = 24'h100000,
  parameter integer WAKE_CYCLES = 2048
) (
  input  wire                 clk,
  output reg                  done = 1'b0,
  output reg                  ctx_we = 1'b0,
  output reg  [ADDR_BITS-1:0] ctx_waddr = 0,
  output reg  [WIDTH-1:0]     ctx_wdata = 0,
  output reg                  flash_csn = 1'b1,
  output reg                  flash_sck = 1'b0,
  output wire                 flash_mosi,
  input  wire                 flash_miso
);
  localparam integer WB = (WIDTH + 7) / 8 * 8;  // bits per word in the flash image
  localparam integer LAST_BIT_I = WB - 1;
  localparam [15:0] LAST_BIT = LAST_BIT_I[15:0];
  localparam [2:0] S_START = 3'd0, S_WAKE = 3'd1, S_GAP = 3'd2, S_CMD = 3'd3, S_DATA = 3'd4, S_END = 3'd5;
  reg [2:0]         st = S_START;
  reg [15:0]        cnt = 16'd0;    // idle cycles, or bits shifted in the current phase
  reg [31:0]        sh = 32'd0;     // command and address, most significant bit first
  reg [WB-2:0]      word = 0;      // the word's bits so far
  reg [ADDR_BITS:0] row = 0;
  wire [WB-1:0]     word_next = {word, flash_miso};
  assign flash_mosi = sh[31];

  // SCK rises in one cycle (the flash samples MOSI) and falls in the next: MOSI moves on and
  // MISO, which the flash drives after the previous falling edge, is sampled.
  always @(posedge clk) begin
    ctx_we <= 1'b0;
    case (st)
      S_START: begin
        cnt <= cnt + 16'd1;
        if (cnt == 16'd15) begin
          st <= S_WAKE; flash_csn <= 1'b0; sh <= {8'hab, 24'd0}; cnt <= 16'd0;
        end
      end
      S_WAKE, S_CMD: begin
        if (!flash_sck) flash_sck <= 1'b1;
        else begin
          flash_sck <= 1'b0; sh <= {sh[30:0], 1'b0}; cnt <= cnt + 16'd1;
          if (st == S_WAKE && cnt == 16'd7) begin st <= S_GAP; cnt <= 16'd0; end
          if (st == S_CMD && cnt == 16'd31) begin st <= S_DATA; cnt <= 16'd0; end
        end
      end
      S_GAP: begin  // chip select high a cycle after the last edge, then the flash's wake-up time
        flash_csn <= 1'b1;
        cnt <= cnt + 16'd1;
        if (cnt == WAKE_CYCLES[15:0]) begin
          st <= S_CMD; flash_csn <= 1'b0; sh <= {8'h03, FLASH_ADDR}; cnt <= 16'd0;
        end
      end
      S_DATA: begin
        if (!flash_sck) flash_sck <= 1'b1;
        else begin
          flash_sck <= 1'b0;
          word <= word_next[WB-2:0];
          if (cnt == LAST_BIT) begin
            cnt <= 16'd0;
            ctx_we <= 1'b1;
            ctx_waddr <= row[ADDR_BITS-1:0];
            ctx_wdata <= word_next[WIDTH-1:0];
            row <= row + 1'b1;
            if (row == {1'b0, {ADDR_BITS{1'b1}}}) st <= S_END;
          end else begin
            cnt <= cnt + 16'd1;
          end
        end
      end
      default: begin  // S_END: the last word is written in this cycle; done from the next
        flash_csn <= 1'b1;
        done <= 1'b1;
      end
    endcase
  end
endmodule

`default_nettype wire
