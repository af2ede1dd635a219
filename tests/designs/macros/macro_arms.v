// Branch arms written in macro bodies: each use is its own decision.
`define CHECK(sig, x) if (x) sig <= 1'b1; else sig <= 1'b0;
`define PICK(c, a, b) ((c) ? (a) : (b))
`define DECODE(sel, out) case (sel) 2'd0: out <= 4'h1; 2'd1: out <= 4'h2; default: out <= 4'h0; endcase
module macro_arms (
    input  wire       clk,
    input  wire       rst,
    input  wire [3:0] a,
    input  wire [1:0] s,
    output reg        f0, f1, f2,
    output reg  [3:0] d,
    output wire [3:0] y
);
    assign y = `PICK(a[3], a, 4'h5);
    always @(posedge clk) begin
        if (rst) begin
            f0 <= 1'b0; f1 <= 1'b0; f2 <= 1'b0; d <= 4'h0;
        end else begin
            `CHECK(f0, a == 4'd3)
            `CHECK(f1, a > 4'd12 && s == 2'd1)
            `CHECK(f2, a == 4'hF)
            `DECODE(s, d)
            if (s == 2'd3) `CHECK(f2, a[0])
        end
    end
endmodule
