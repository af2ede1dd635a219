// uart_rx: serial receiver, 8N1, LSB first, CLKS_PER_BIT clock cycles per bit. The line
// goes through a two-flop synchronizer (child module uart_rx_sync). A start bit that is
// not low any more at mid-bit is a glitch; a stop bit that is low is a framing error,
// after which the receiver waits for the line to return high (break). PARITY_EN = 1
// would expect an even-parity bit before the stop bit; the benchmark keeps it 0, so the
// parity path is dead code. Asynchronous active-low reset.
module uart_rx #(
    parameter CLKS_PER_BIT = 4,
    parameter PARITY_EN    = 0
) (
    input  wire       clk,
    input  wire       rst_n,
    input  wire       rx,
    output reg  [7:0] data,
    output reg        valid,
    output reg        framing_error,
    output reg        parity_error,
    output reg        glitch,
    output wire       busy
);
    localparam [3:0] LAST_TICK = CLKS_PER_BIT - 1;
    localparam [3:0] HALF_TICK = CLKS_PER_BIT / 2 - 1;

    localparam S_IDLE   = 3'd0;
    localparam S_START  = 3'd1;
    localparam S_DATA   = 3'd2;
    localparam S_PARITY = 3'd3;
    localparam S_STOP   = 3'd4;
    localparam S_BREAK  = 3'd5;

    wire       rx_s;
    reg  [2:0] state;
    reg  [3:0] ticks;
    reg  [2:0] bit_index;
    reg  [7:0] shift;

    uart_rx_sync u_sync (
        .clk  (clk),
        .rst_n(rst_n),
        .d    (rx),
        .q    (rx_s)
    );

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            state         <= S_IDLE;
            ticks         <= 4'd0;
            bit_index     <= 3'd0;
            shift         <= 8'h00;
            data          <= 8'h00;
            valid         <= 1'b0;
            framing_error <= 1'b0;
            parity_error  <= 1'b0;
            glitch        <= 1'b0;
        end else begin
            valid         <= 1'b0;
            framing_error <= 1'b0;
            parity_error  <= 1'b0;
            glitch        <= 1'b0;
            case (state)
                S_IDLE: begin
                    ticks <= 4'd0;
                    if (rx_s == 1'b0) state <= S_START;
                end
                S_START: begin
                    if (ticks == HALF_TICK) begin
                        ticks     <= 4'd0;
                        bit_index <= 3'd0;
                        if (rx_s == 1'b0) begin
                            state <= S_DATA;
                        end else begin
                            glitch <= 1'b1;
                            state  <= S_IDLE;
                        end
                    end else begin
                        ticks <= ticks + 4'd1;
                    end
                end
                S_DATA: begin
                    if (ticks == LAST_TICK) begin
                        ticks     <= 4'd0;
                        shift     <= {rx_s, shift[7:1]};
                        bit_index <= bit_index + 3'd1;
                        if (bit_index == 3'd7) begin
                            if (PARITY_EN != 0) state <= S_PARITY;
                            else state <= S_STOP;
                        end
                    end else begin
                        ticks <= ticks + 4'd1;
                    end
                end
                S_PARITY: begin
                    if (ticks == LAST_TICK) begin
                        ticks <= 4'd0;
                        state <= S_STOP;
                        if ((^shift) != rx_s) parity_error <= 1'b1;
                    end else begin
                        ticks <= ticks + 4'd1;
                    end
                end
                S_STOP: begin
                    if (ticks == LAST_TICK) begin
                        ticks <= 4'd0;
                        if (rx_s == 1'b1) begin
                            data  <= shift;
                            valid <= 1'b1;
                            state <= S_IDLE;
                        end else begin
                            framing_error <= 1'b1;
                            state         <= S_BREAK;
                        end
                    end else begin
                        ticks <= ticks + 4'd1;
                    end
                end
                S_BREAK: begin
                    if (rx_s == 1'b1) state <= S_IDLE;
                end
                default: state <= S_IDLE;
            endcase
        end
    end

    assign busy = (state != S_IDLE) && (state != S_BREAK);
endmodule
