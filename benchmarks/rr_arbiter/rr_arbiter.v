// rr_arbiter: round-robin arbiter for 4 requesters. The search for the next grant
// starts just after the last winner. `hold` lets the current owner keep the grant while
// it still requests. `round_done` pulses once every requester has been served since the
// last pulse. Asynchronous active-low reset.
module rr_arbiter (
    input  wire       clk,
    input  wire       rst_n,
    input  wire [3:0] req,
    input  wire       hold,
    output reg  [3:0] grant,
    output reg  [1:0] last,
    output reg        round_done,
    output wire       busy
);
    reg  [1:0] offset;
    reg  [3:0] served;
    wire [1:0] base = last + 2'd1;

    // req rotated so that bit 0 is the requester right after the last winner.
    wire [3:0] rot = (base == 2'd0) ? req :
                     (base == 2'd1) ? {req[0], req[3:1]} :
                     (base == 2'd2) ? {req[1:0], req[3:2]} : {req[2:0], req[3]};

    always @* begin
        casez (rot)
            4'b???1: offset = 2'd0;
            4'b??10: offset = 2'd1;
            4'b?100: offset = 2'd2;
            4'b1000: offset = 2'd3;
            default: offset = 2'd0;
        endcase
    end

    wire [1:0] winner  = base + offset;
    wire [3:0] served1 = served | (4'b0001 << winner);

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            grant      <= 4'b0000;
            last       <= 2'd3;
            served     <= 4'b0000;
            round_done <= 1'b0;
        end else begin
            round_done <= 1'b0;
            if (hold && ((grant & req) != 4'b0000)) begin
                grant <= grant;
            end else if (req != 4'b0000) begin
                grant <= 4'b0001 << winner;
                last  <= winner;
                if (served1 == 4'b1111) begin
                    served     <= 4'b0000;
                    round_done <= 1'b1;
                end else begin
                    served <= served1;
                end
            end else begin
                grant <= 4'b0000;
            end
        end
    end

    assign busy = (grant != 4'b0000);
endmodule
