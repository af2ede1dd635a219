// affine_match: a calibration checker. Each cycle with `valid` high presents a gain `a`
// and an offset `b`. The checker forms s = 3*a + b and d = a - b, both wide enough not to
// wrap. s above 1000 is an overflow, below it an underflow. s exactly 1000 is on target;
// on target with d exactly 100 as well is a match (only a = 275, b = 175 does both).
// Three matches solve the calibration until `clear` (with valid). Asynchronous
// active-low reset.
module affine_match (
    input  wire        clk,
    input  wire        rst_n,
    input  wire        valid,
    input  wire [15:0] a,
    input  wire [15:0] b,
    input  wire        clear,
    output reg         over,
    output reg         under,
    output reg         near_miss,
    output reg         solved,
    output reg  [1:0]  hits
);
    localparam [17:0] TARGET = 18'd1000;
    localparam [16:0] DELTA  = 17'd100;

    wire [17:0] s = {2'b00, a} * 18'd3 + {2'b00, b};
    wire [16:0] d = {1'b0, a} - {1'b0, b};

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            over      <= 1'b0;
            under     <= 1'b0;
            near_miss <= 1'b0;
            solved    <= 1'b0;
            hits      <= 2'd0;
        end else begin
            over      <= 1'b0;
            under     <= 1'b0;
            near_miss <= 1'b0;
            if (valid) begin
                if (solved) begin
                    if (clear) begin
                        solved <= 1'b0;
                        hits   <= 2'd0;
                    end
                end else if (s > TARGET) begin
                    over <= 1'b1;
                end else if (s == TARGET) begin
                    if (d == DELTA) begin
                        if (hits == 2'd2) begin
                            solved <= 1'b1;
                            hits   <= 2'd0;
                        end else begin
                            hits <= hits + 2'd1;
                        end
                    end else begin
                        near_miss <= 1'b1;
                    end
                end else begin
                    under <= 1'b1;
                end
            end
        end
    end
endmodule
