// priority_encoder: 16 request lines, the highest set bit wins. `idx` is its number,
// `valid` says any line is set, `multiple` says more than one is set, `top_half` that
// the winner is in req[15:8].
module priority_encoder (
    input  wire [15:0] req,
    output reg  [3:0]  idx,
    output wire        valid,
    output wire        multiple,
    output wire        top_half
);
    reg [2:0] hi_idx;
    reg [2:0] lo_idx;

    // High byte: casez with don't-care bits.
    always @* begin
        casez (req[15:8])
            8'b1???_????: hi_idx = 3'd7;
            8'b01??_????: hi_idx = 3'd6;
            8'b001?_????: hi_idx = 3'd5;
            8'b0001_????: hi_idx = 3'd4;
            8'b0000_1???: hi_idx = 3'd3;
            8'b0000_01??: hi_idx = 3'd2;
            8'b0000_001?: hi_idx = 3'd1;
            8'b0000_0001: hi_idx = 3'd0;
            default:      hi_idx = 3'd0;
        endcase
    end

    // Low byte: an if-chain.
    always @* begin
        if (req[7]) lo_idx = 3'd7;
        else if (req[6]) lo_idx = 3'd6;
        else if (req[5]) lo_idx = 3'd5;
        else if (req[4]) lo_idx = 3'd4;
        else if (req[3]) lo_idx = 3'd3;
        else if (req[2]) lo_idx = 3'd2;
        else if (req[1]) lo_idx = 3'd1;
        else lo_idx = 3'd0;
    end

    always @* begin
        if (req[15:8] != 8'h00) idx = {1'b1, hi_idx};
        else if (req[7:0] != 8'h00) idx = {1'b0, lo_idx};
        else idx = 4'd0;
    end

    assign valid    = (req != 16'h0000);
    assign multiple = ((req & (req - 16'd1)) != 16'h0000);
    assign top_half = valid ? idx[3] : 1'b0;
endmodule
