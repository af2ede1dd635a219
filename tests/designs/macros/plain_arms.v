// macro_arms.v with every macro written out by hand, on the same lines:
// CHECK, PICK and DECODE expanded as the preprocessor would.
//
//
module plain_arms (
    input  wire       clk,
    input  wire       rst,
    input  wire [3:0] a,
    input  wire [1:0] s,
    output reg        f0, f1, f2,
    output reg  [3:0] d,
    output wire [3:0] y
);
    assign y = ((a[3]) ? (a) : (4'h5));
    always @(posedge clk) begin
        if (rst) begin
            f0 <= 1'b0; f1 <= 1'b0; f2 <= 1'b0; d <= 4'h0;
        end else begin
            if (a == 4'd3) f0 <= 1'b1; else f0 <= 1'b0;
            if (a > 4'd12 && s == 2'd1) f1 <= 1'b1; else f1 <= 1'b0;
            if (a == 4'hF) f2 <= 1'b1; else f2 <= 1'b0;
            case (s) 2'd0: d <= 4'h1; 2'd1: d <= 4'h2; default: d <= 4'h0; endcase
            if (s == 2'd3) if (a[0]) f2 <= 1'b1; else f2 <= 1'b0;
        end
    end
endmodule
