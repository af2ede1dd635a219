// fsm32: a 32-step lock built as an FSM with 33 states. In step state s (0..31) each
// cycle with `valid` high must present din == (s * 37 + 11) mod 256, except at the
// checkpoint states 8, 16 and 24, which want the bitwise complement of that value.
// A match advances to the next state, a mismatch falls back to state 0. After step 31
// the FSM is unlocked until `relock`. Asynchronous active-low reset.
module fsm32 (
    input  wire       clk,
    input  wire       rst_n,
    input  wire       valid,
    input  wire [7:0] din,
    input  wire       relock,
    output wire       unlocked,
    output reg  [5:0] best,
    output reg        fell_back
);
    localparam [5:0] S_START    = 6'd0;
    localparam [5:0] S_LAST     = 6'd31;
    localparam [5:0] S_UNLOCKED = 6'd32;
    localparam [7:0] MULT       = 8'd37;
    localparam [7:0] OFFSET     = 8'd11;

    reg  [5:0] state;
    reg        matched;
    wire [7:0] expected = {2'b00, state} * MULT + OFFSET;

    always @* begin
        case (state)
            6'd8, 6'd16, 6'd24: matched = (din == ~expected);
            S_UNLOCKED: matched = 1'b0;
            default: matched = (din == expected);
        endcase
    end

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            state     <= S_START;
            best      <= 6'd0;
            fell_back <= 1'b0;
        end else begin
            fell_back <= 1'b0;
            if (state == S_UNLOCKED) begin
                if (relock) state <= S_START;
            end else if (valid) begin
                if (matched) begin
                    if (state == S_LAST) state <= S_UNLOCKED;
                    else state <= state + 6'd1;
                    if (state >= best) best <= state + 6'd1;
                end else begin
                    fell_back <= (state != S_START);
                    state     <= S_START;
                end
            end
        end
    end

    assign unlocked = (state == S_UNLOCKED);
endmodule
