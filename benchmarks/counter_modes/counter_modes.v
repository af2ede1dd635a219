// counter_modes: an 8-bit counter with hold / up / down / load modes, wrap-around
// flags, a sticky "passed the high mark" flag and a zone output from thresholds.
// SATURATE = 1 would stop at the limits instead of wrapping; the benchmark keeps it 0,
// so the saturation arms are dead code. Synchronous active-high reset.
module counter_modes #(
    parameter SATURATE = 0
) (
    input  wire       clk,
    input  wire       rst,
    input  wire [1:0] mode,
    input  wire [7:0] load_value,
    input  wire       clear_flag,
    output reg  [7:0] count,
    output reg        wrapped,
    output reg        high_seen,
    output reg  [1:0] zone
);
    localparam MODE_HOLD = 2'd0;
    localparam MODE_UP   = 2'd1;
    localparam MODE_DOWN = 2'd2;
    localparam MODE_LOAD = 2'd3;

    localparam HIGH_MARK = 8'd200;
    localparam MID_MARK  = 8'd128;
    localparam LOW_MARK  = 8'd16;
    localparam MAX_COUNT = 8'd255;

    always @(posedge clk) begin
        if (rst) begin
            count     <= 8'd0;
            wrapped   <= 1'b0;
            high_seen <= 1'b0;
        end else begin
            wrapped <= 1'b0;
            case (mode)
                MODE_HOLD: count <= count;
                MODE_UP: begin
                    if (count == MAX_COUNT) begin
                        if (SATURATE != 0) count <= MAX_COUNT;
                        else begin
                            count   <= 8'd0;
                            wrapped <= 1'b1;
                        end
                    end else begin
                        count <= count + 8'd1;
                    end
                end
                MODE_DOWN: begin
                    if (count == 8'd0) begin
                        if (SATURATE != 0) count <= 8'd0;
                        else begin
                            count   <= MAX_COUNT;
                            wrapped <= 1'b1;
                        end
                    end else begin
                        count <= count - 8'd1;
                    end
                end
                MODE_LOAD: count <= (load_value > HIGH_MARK) ? HIGH_MARK : load_value;
            endcase
            if (clear_flag) high_seen <= 1'b0;
            else if (count == HIGH_MARK) high_seen <= 1'b1;
        end
    end

    always @* begin
        if (count >= HIGH_MARK) zone = 2'd3;
        else if (count >= MID_MARK) zone = 2'd2;
        else if (count >= LOW_MARK) zone = 2'd1;
        else zone = 2'd0;
    end
endmodule
