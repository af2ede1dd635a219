// alu_adder: 8-bit adder with carry in and carry out; the child module of alu.
module alu_adder (
    input  wire [7:0] x,
    input  wire [7:0] y,
    input  wire       cin,
    output wire [7:0] sum,
    output wire       cout
);
    assign {cout, sum} = {1'b0, x} + {1'b0, y} + {8'b0000_0000, cin};
endmodule
