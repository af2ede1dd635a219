// Test design with more input bits than one 64-bit row word holds: the player's rows span words.
module wide(input clk, input rst_n, input [99:0] a, input [7:0] b, output reg [107:0] seen);
  always @(posedge clk or negedge rst_n)
    if (!rst_n) seen <= 108'd0;
    else seen <= {b, a};
endmodule
