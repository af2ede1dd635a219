// vending_fsm: a vending machine that sells one item for 35 cents. Coins: 1 = nickel,
// 2 = dime, 3 = quarter. Credit is capped at 60 cents (a coin that would pass the cap is
// returned at once). `select` buys when credit is enough, `cancel` refunds.
// Asynchronous active-low reset.
module vending_fsm (
    input  wire       clk,
    input  wire       rst_n,
    input  wire [1:0] coin,
    input  wire       select,
    input  wire       cancel,
    output reg        dispense,
    output reg  [5:0] change,
    output reg        too_little,
    output wire [5:0] credit_out,
    output wire       ready
);
    localparam PRICE      = 6'd35;
    localparam MAX_CREDIT = 7'd60;

    localparam COIN_NONE    = 2'd0;
    localparam COIN_NICKEL  = 2'd1;
    localparam COIN_DIME    = 2'd2;

    localparam S_IDLE    = 2'd0;
    localparam S_COLLECT = 2'd1;
    localparam S_VEND    = 2'd2;
    localparam S_REFUND  = 2'd3;

    reg [1:0] state;
    reg [5:0] credit;

    wire [5:0] coin_value = (coin == COIN_NICKEL) ? 6'd5 :
                            (coin == COIN_DIME)   ? 6'd10 :
                            (coin == COIN_NONE)   ? 6'd0 : 6'd25;
    wire [6:0] next_credit = {1'b0, credit} + {1'b0, coin_value};

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            state    <= S_IDLE;
            credit   <= 6'd0;
            dispense <= 1'b0;
            change   <= 6'd0;
            too_little <= 1'b0;
        end else begin
            dispense <= 1'b0;
            change   <= 6'd0;
            too_little <= 1'b0;
            case (state)
                S_IDLE: begin
                    if (coin != COIN_NONE) begin
                        credit <= coin_value;
                        state  <= S_COLLECT;
                    end
                end
                S_COLLECT: begin
                    if (cancel) begin
                        state <= S_REFUND;
                    end else if (select) begin
                        if (credit >= PRICE) state <= S_VEND;
                        else too_little <= 1'b1;
                    end else if (coin != COIN_NONE) begin
                        if (next_credit > MAX_CREDIT) change <= coin_value;
                        else credit <= next_credit[5:0];
                    end
                end
                S_VEND: begin
                    dispense <= 1'b1;
                    change   <= credit - PRICE;
                    credit   <= 6'd0;
                    state    <= S_IDLE;
                end
                S_REFUND: begin
                    change <= credit;
                    credit <= 6'd0;
                    state  <= S_IDLE;
                end
            endcase
        end
    end

    assign credit_out = credit;
    assign ready      = (state == S_COLLECT) && (credit >= PRICE);
endmodule
