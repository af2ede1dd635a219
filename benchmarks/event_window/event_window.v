// event_window: a bus timing monitor. The 8-bit bus `ev` carries a command (8'h3C) or a
// response (8'hC3); 8'h00 is an idle cycle. After a command the bus must stay idle until
// the response, which must arrive 10 to 12 cycles after the command. Sooner is an early
// response, any other code in between is a collision, 12 idle cycles a timeout. Three
// good exchanges in a row qualify the link. A response with no command is an orphan.
// Synchronous active-high reset.
module event_window (
    input  wire       clk,
    input  wire       reset,
    input  wire [7:0] ev,
    output reg        in_window,
    output reg        early,
    output reg        collision,
    output reg        timed_out,
    output reg        orphan,
    output reg        qualified,
    output wire       waiting
);
    localparam [7:0] EV_IDLE = 8'h00;
    localparam [7:0] EV_CMD  = 8'h3C;
    localparam [7:0] EV_RESP = 8'hC3;

    localparam [3:0] MIN_GAP = 4'd10;
    localparam [3:0] MAX_GAP = 4'd12;

    localparam S_IDLE = 1'b0;
    localparam S_WAIT = 1'b1;

    reg       state;
    reg [3:0] gap;      // cycles since the command, in the current cycle
    reg [1:0] streak;   // good exchanges in a row

    always @(posedge clk) begin
        if (reset) begin
            state     <= S_IDLE;
            gap       <= 4'd0;
            streak    <= 2'd0;
            in_window <= 1'b0;
            early     <= 1'b0;
            collision <= 1'b0;
            timed_out <= 1'b0;
            orphan    <= 1'b0;
            qualified <= 1'b0;
        end else begin
            in_window <= 1'b0;
            early     <= 1'b0;
            collision <= 1'b0;
            timed_out <= 1'b0;
            orphan    <= 1'b0;
            case (state)
                S_IDLE: begin
                    if (ev == EV_CMD) begin
                        state <= S_WAIT;
                        gap   <= 4'd1;
                    end else if (ev == EV_RESP) begin
                        orphan <= 1'b1;
                        streak <= 2'd0;
                    end
                end
                S_WAIT: begin
                    if (ev == EV_RESP) begin
                        state <= S_IDLE;
                        if (gap < MIN_GAP) begin
                            early  <= 1'b1;
                            streak <= 2'd0;
                        end else begin
                            in_window <= 1'b1;
                            if (streak == 2'd2) qualified <= 1'b1;
                            else streak <= streak + 2'd1;
                        end
                    end else if (ev != EV_IDLE) begin
                        collision <= 1'b1;
                        streak    <= 2'd0;
                        state     <= S_IDLE;
                    end else if (gap == MAX_GAP) begin
                        timed_out <= 1'b1;
                        streak    <= 2'd0;
                        state     <= S_IDLE;
                    end else begin
                        gap <= gap + 4'd1;
                    end
                end
            endcase
        end
    end

    assign waiting = (state == S_WAIT);
endmodule
