`default_nettype none
// Simulation model of an SPI NOR flash for the benches (Icarus, Verilator): answers the read
// command 0x03 (24-bit address, SPI mode 0: bits in on rising SCK, out on falling SCK, most
// significant first) from BYTES bytes starting at byte address BASE, loaded with $readmemh
// from the file named by the plusarg +flash=FILE (one byte per line, hex). Other commands
// (0xab, the wake-up) are taken and ignored; addresses outside the image read 0xff.
module spi_flash_model #(
  parameter integer BYTES = 262144,
  parameter [23:0] BASE = 24'h100000
) (
  input  wire csn,
  input  wire sck,
  input  wire mosi,
  output reg  miso = 1'b0
);
  reg [7:0]  mem [0:BYTES-1];
  reg [7:0]  cmd = 8'd0;
  reg [23:0] addr = 24'd0;
  integer    nbits = 0;
  reg [1023:0] file;
  initial begin
    if ($value$plusargs("flash=%s", file)) $readmemh(file, mem);
    else $display("spi_flash_model: +flash=FILE not given: the flash reads 0xff");
  end
  always @(negedge csn) nbits = 0;
  always @(posedge sck)
    if (!csn) begin
      if (nbits < 8) cmd = {cmd[6:0], mosi};
      else if (nbits < 32) addr = {addr[22:0], mosi};
      nbits = nbits + 1;
    end
  // The data bit k (k = nbits - 32) goes out after the falling edge that follows its clock.
  always @(negedge sck)
    if (!csn && nbits >= 32 && cmd == 8'h03) begin : out
      integer k, a;
      k = nbits - 32;
      a = addr + k / 8 - BASE;
      miso = (a >= 0 && a < BYTES) ? mem[a][7 - k % 8] : 1'b1;
    end
endmodule

`default_nettype wire
