// consecutive64: fires `event_fire` when `en` has been high for 64 consecutive cycles;
// any cycle with `en` low (or `clear` high) restarts the count. Side outputs mark runs
// of 16 and 32 cycles, keep the longest run seen (saturating at 64), and count fired
// events. Synchronous active-high reset.
module consecutive64 (
    input  wire       clk,
    input  wire       rst,
    input  wire       en,
    input  wire       clear,
    output reg        event_fire,
    output reg        quarter,
    output reg        half,
    output reg  [6:0] longest,
    output reg  [3:0] fired,
    output wire [5:0] run_out
);
    localparam [5:0] RUN_LAST    = 6'd63;
    localparam [5:0] RUN_QUARTER = 6'd15;
    localparam [5:0] RUN_HALF    = 6'd31;

    reg [5:0] run;   // consecutive en cycles so far (0..63)

    always @(posedge clk) begin
        if (rst) begin
            run        <= 6'd0;
            event_fire <= 1'b0;
            quarter    <= 1'b0;
            half       <= 1'b0;
            longest    <= 7'd0;
            fired      <= 4'd0;
        end else begin
            event_fire <= 1'b0;
            if (clear) begin
                run     <= 6'd0;
                quarter <= 1'b0;
                half    <= 1'b0;
            end else if (!en) begin
                run <= 6'd0;
            end else if (run == RUN_LAST) begin
                run        <= 6'd0;
                event_fire <= 1'b1;
                longest    <= 7'd64;
                fired      <= (fired == 4'd15) ? 4'd15 : fired + 4'd1;
            end else begin
                run <= run + 6'd1;
                /* verilator lint_off CASEINCOMPLETE */
                case (run)
                    RUN_QUARTER: quarter <= 1'b1;
                    RUN_HALF: half <= 1'b1;
                endcase
                /* verilator lint_on CASEINCOMPLETE */
                if ({1'b0, run} >= longest) longest <= {1'b0, run} + 7'd1;
            end
        end
    end

    assign run_out = run;
endmodule
