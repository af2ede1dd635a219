// credit_window: tracks a sliding-window link. `send` counts a sent packet, `ack` an
// acknowledged one (both may happen in the same cycle); the 8-bit counters wrap. The
// number outstanding is their difference. More acks than sends is an underflow error.
// At 100 outstanding the window is full: a send then is an overrun and is not counted.
// Draining a full window back to 0 outstanding raises `drained`. Asynchronous
// active-low reset.
module credit_window (
    input  wire       clk,
    input  wire       rst_n,
    input  wire       send,
    input  wire       ack,
    output reg        full,
    output reg        overrun,
    output reg        underflow,
    output reg        drained,
    output reg        busy,
    output wire [7:0] outstanding
);
    localparam [7:0] WINDOW    = 8'd100;
    localparam [7:0] BUSY_MARK = 8'd8;

    reg [7:0] sent;
    reg [7:0] acked;
    reg       was_full;

    assign outstanding = sent - acked;

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            sent      <= 8'd0;
            acked     <= 8'd0;
            was_full  <= 1'b0;
            full      <= 1'b0;
            overrun   <= 1'b0;
            underflow <= 1'b0;
            drained   <= 1'b0;
            busy      <= 1'b0;
        end else begin
            overrun <= 1'b0;
            drained <= 1'b0;
            if (send) begin
                if (outstanding == WINDOW) overrun <= 1'b1;
                else sent <= sent + 8'd1;
            end
            if (ack) acked <= acked + 8'd1;

            full <= 1'b0;
            busy <= 1'b0;
            if (outstanding[7]) begin
                underflow <= 1'b1;
            end else if (outstanding == WINDOW) begin
                full     <= 1'b1;
                was_full <= 1'b1;
            end else if (outstanding == 8'd0) begin
                if (was_full) begin
                    drained  <= 1'b1;
                    was_full <= 1'b0;
                end
            end else if (outstanding > BUSY_MARK) begin
                busy <= 1'b1;
            end
        end
    end
endmodule
