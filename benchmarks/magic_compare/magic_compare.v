// magic_compare: a two-stage magic-number check. With `valid` high, a 32-bit `data`
// equal to 32'hDEADBEEF arms the checker; in the very next cycle `key` must equal
// 16'hC0DE (with `valid` high) to unlock, otherwise the attempt fails. Three failed
// attempts lock the checker out for 15 cycles. `relock` (with valid) closes it again.
// Asynchronous active-low reset.
module magic_compare (
    input  wire        clk,
    input  wire        rst_n,
    input  wire        valid,
    input  wire [31:0] data,
    input  wire [15:0] key,
    input  wire        relock,
    output reg         unlocked,
    output reg         half_match,
    output reg  [1:0]  failures,
    output wire        locked_out,
    output wire        armed
);
    localparam [31:0] MAGIC     = 32'hDEADBEEF;
    localparam [15:0] KEY_MAGIC = 16'hC0DE;

    localparam ST_WAIT     = 2'd0;
    localparam ST_ARMED    = 2'd1;
    localparam ST_OPEN     = 2'd2;
    localparam ST_LOCKOUT  = 2'd3;

    reg [1:0] stage;
    reg [3:0] lockout_timer;

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            stage         <= ST_WAIT;
            unlocked      <= 1'b0;
            half_match    <= 1'b0;
            failures      <= 2'd0;
            lockout_timer <= 4'd0;
        end else begin
            half_match <= 1'b0;
            case (stage)
                ST_WAIT: begin
                    if (valid) begin
                        if (data == MAGIC) stage <= ST_ARMED;
                        else if (data[31:16] == MAGIC[31:16]) half_match <= 1'b1;
                    end
                end
                ST_ARMED: begin
                    if (valid && key == KEY_MAGIC) begin
                        stage    <= ST_OPEN;
                        unlocked <= 1'b1;
                        failures <= 2'd0;
                    end else if (failures == 2'd2) begin
                        stage         <= ST_LOCKOUT;
                        lockout_timer <= 4'd15;
                        failures      <= 2'd0;
                    end else begin
                        stage    <= ST_WAIT;
                        failures <= failures + 2'd1;
                    end
                end
                ST_OPEN: begin
                    if (valid && relock) begin
                        stage    <= ST_WAIT;
                        unlocked <= 1'b0;
                    end
                end
                ST_LOCKOUT: begin
                    if (lockout_timer == 4'd0) stage <= ST_WAIT;
                    else lockout_timer <= lockout_timer - 4'd1;
                end
            endcase
        end
    end

    assign locked_out = (stage == ST_LOCKOUT);
    assign armed      = (stage == ST_ARMED);
endmodule
