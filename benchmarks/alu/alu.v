// alu: 8-bit combinational ALU. `op` selects the operation; the flags report carry
// (borrow for subtract/compare, last bit shifted out for shifts), zero, negative and
// signed overflow. Add, subtract and compare go through the alu_adder child module.
module alu (
    input  wire [7:0] a,
    input  wire [7:0] b,
    input  wire [2:0] op,
    input  wire       cin,
    output reg  [7:0] y,
    output reg        carry,
    output wire       zero,
    output wire       negative,
    output reg        overflow
);
    localparam OP_ADD = 3'd0;
    localparam OP_SUB = 3'd1;
    localparam OP_AND = 3'd2;
    localparam OP_OR  = 3'd3;
    localparam OP_XOR = 3'd4;
    localparam OP_SHL = 3'd5;
    localparam OP_SHR = 3'd6;   // b[7] = 1: arithmetic shift, else logical
    localparam OP_CMP = 3'd7;   // a - b, only the flags are kept

    wire       sub_mode  = (op == OP_SUB) || (op == OP_CMP);
    wire [7:0] adder_b   = sub_mode ? ~b : b;
    wire       adder_cin = sub_mode ? 1'b1 : cin;
    wire [7:0] sum;
    wire       cout;

    alu_adder u_adder (
        .x   (a),
        .y   (adder_b),
        .cin (adder_cin),
        .sum (sum),
        .cout(cout)
    );

    wire [8:0] shl_full = {1'b0, a} << b[2:0];
    wire [8:0] shr_full = {a, 1'b0} >> b[2:0];
    wire [7:0] asr      = $unsigned($signed(a) >>> b[2:0]);
    wire       sub_ovf  = (a[7] != b[7]) && (sum[7] != a[7]);

    always @* begin
        y        = 8'h00;
        carry    = 1'b0;
        overflow = 1'b0;
        case (op)
            OP_ADD: begin
                y        = sum;
                carry    = cout;
                overflow = (a[7] == b[7]) && (sum[7] != a[7]);
            end
            OP_SUB: begin
                y        = sum;
                carry    = ~cout;
                overflow = sub_ovf;
            end
            OP_AND: y = a & b;
            OP_OR:  y = a | b;
            OP_XOR: y = a ^ b;
            OP_SHL: begin
                y     = shl_full[7:0];
                carry = shl_full[8];
            end
            OP_SHR: begin
                y     = b[7] ? asr : shr_full[8:1];
                carry = (b[2:0] == 3'd0) ? 1'b0 : shr_full[0];
            end
            OP_CMP: begin
                carry    = ~cout;
                overflow = sub_ovf;
            end
        endcase
    end

    assign zero     = (op == OP_CMP) ? (sum == 8'h00) : (y == 8'h00);
    assign negative = (op == OP_CMP) ? (sum[7] ^ sub_ovf) : y[7];
endmodule
