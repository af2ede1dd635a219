// comparator: compares two 8-bit values under a mode: unsigned, signed (two's
// complement), magnitude (absolute values of the signed numbers) or equality only.
// Exactly one of lt/eq/gt is set, except in equality mode where only eq can be set.
module comparator (
    input  wire [7:0] a,
    input  wire [7:0] b,
    input  wire [1:0] mode,
    output reg        lt,
    output reg        eq,
    output reg        gt,
    output wire [7:0] larger,
    output wire       a_extreme
);
    localparam MODE_UNSIGNED = 2'd0;
    localparam MODE_SIGNED   = 2'd1;
    localparam MODE_ABS      = 2'd2;
    localparam MODE_EQ       = 2'd3;

    wire [7:0] abs_a = a[7] ? (~a + 8'd1) : a;
    wire [7:0] abs_b = b[7] ? (~b + 8'd1) : b;

    always @* begin
        lt = 1'b0;
        eq = 1'b0;
        gt = 1'b0;
        case (mode)
            MODE_UNSIGNED: begin
                if (a < b) lt = 1'b1;
                else if (a == b) eq = 1'b1;
                else gt = 1'b1;
            end
            MODE_SIGNED: begin
                if ($signed(a) < $signed(b)) lt = 1'b1;
                else if ($signed(a) > $signed(b)) gt = 1'b1;
                else eq = 1'b1;
            end
            MODE_ABS: begin
                if (abs_a == abs_b) eq = 1'b1;
                else if (abs_a < abs_b) lt = 1'b1;
                else gt = 1'b1;
            end
            MODE_EQ: eq = (a == b);
        endcase
    end

    assign larger = gt ? a : b;
    // a is the most negative or most positive signed value, or zero.
    assign a_extreme = (a == 8'h80) ? 1'b1 : (a == 8'h7F) ? 1'b1 : (a == 8'h00);
endmodule
