// decoder: 3-to-8 line decoder with three enables (like a '138: g1 high, g2a_n and
// g2b_n low). ACTIVE_LOW selects inverted outputs; the benchmark keeps it 0.
module decoder #(
    parameter ACTIVE_LOW = 0
) (
    input  wire [2:0] sel,
    input  wire       g1,
    input  wire       g2a_n,
    input  wire       g2b_n,
    output wire [7:0] y,
    output wire       any,
    output reg  [1:0] bank
);
    wire      enabled = g1 && !g2a_n && !g2b_n;
    reg [7:0] onehot;

    always @* begin
        if (!enabled) begin
            onehot = 8'h00;
        end else begin
            case (sel)
                3'd0: onehot = 8'b0000_0001;
                3'd1: onehot = 8'b0000_0010;
                3'd2: onehot = 8'b0000_0100;
                3'd3: onehot = 8'b0000_1000;
                3'd4: onehot = 8'b0001_0000;
                3'd5: onehot = 8'b0010_0000;
                3'd6: onehot = 8'b0100_0000;
                3'd7: onehot = 8'b1000_0000;
                default: onehot = 8'h00;
            endcase
        end
    end

    // Which quarter of the outputs is active; 0 when disabled.
    always @* begin
        if (onehot[7:6] != 2'b00) bank = 2'd3;
        else if (onehot[5:4] != 2'b00) bank = 2'd2;
        else if (onehot[3:2] != 2'b00) bank = 2'd1;
        else bank = 2'd0;
    end

    assign y   = (ACTIVE_LOW != 0) ? ~onehot : onehot;
    assign any = enabled;
endmodule
