// `seen` is not set by the reset: a sequence inherits it from the one before, so replaying
// a sequence alone does not cover what it covered inside its batch.
module sticky (
    input  wire clk,
    input  wire rst,
    input  wire go,
    input  wire b,
    output reg  y
);
    reg seen;
    reg [1:0] count;
    always @(posedge clk) begin
        if (go) seen <= 1'b1;
        if (rst) count <= 2'd0;
        else count <= count + 2'd1;
    end
    always @* begin
        if (seen && b) y = 1'b1;
        else y = 1'b0;
    end
endmodule
