// Test design without a clock: a cycle is one settled evaluation.
module comb(input [1:0] sel, input [3:0] x, output reg [3:0] y, output w);
  assign w = sel[0] ? x[0] : (sel[1] ? x[1] : x[2]);  // @w
  always @* begin
    y = 4'd0;
    case (sel)                        // @case
      2'd0: y = x;                    // @s0
      2'd1: y = ~x;                   // @s1
      2'd2: if (x[3]) y = 4'd9;       // @s2
    endcase
  end
endmodule
