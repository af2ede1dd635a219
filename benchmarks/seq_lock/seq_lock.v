// seq_lock: a 6-step combination lock. Each cycle with `valid` high presents an 8-bit
// `code`; the code must equal the one expected for the current step to advance. A wrong
// code sends the lock back to step 0 (and counts a failed attempt if it was past step
// 0). After the 6th correct code the lock opens until `lock` is pressed. Four failed
// attempts in a row raise `alarm` until the lock opens. Asynchronous active-low reset.
module seq_lock (
    input  wire       clk,
    input  wire       rst_n,
    input  wire       valid,
    input  wire [7:0] code,
    input  wire       lock,
    output wire       open,
    output reg        alarm,
    output wire [2:0] progress
);
    localparam [7:0] CODE0 = 8'h3C;
    localparam [7:0] CODE1 = 8'hA7;
    localparam [7:0] CODE2 = 8'h11;
    localparam [7:0] CODE3 = 8'hF0;
    localparam [7:0] CODE4 = 8'h5E;
    localparam [7:0] CODE5 = 8'h92;

    localparam [2:0] STEP_LAST = 3'd5;
    localparam [2:0] S_OPEN    = 3'd6;

    reg [2:0] step;
    reg [2:0] fails;
    reg [7:0] expected;

    always @* begin
        case (step)
            3'd0: expected = CODE0;
            3'd1: expected = CODE1;
            3'd2: expected = CODE2;
            3'd3: expected = CODE3;
            3'd4: expected = CODE4;
            3'd5: expected = CODE5;
            default: expected = 8'h00;
        endcase
    end

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            step  <= 3'd0;
            fails <= 3'd0;
            alarm <= 1'b0;
        end else if (step == S_OPEN) begin
            if (lock) step <= 3'd0;
        end else if (valid) begin
            if (code == expected) begin
                if (step == STEP_LAST) begin
                    step  <= S_OPEN;
                    fails <= 3'd0;
                    alarm <= 1'b0;
                end else begin
                    step <= step + 3'd1;
                end
            end else begin
                step <= 3'd0;
                if (step != 3'd0) begin
                    if (fails == 3'd3) alarm <= 1'b1;
                    else fails <= fails + 3'd1;
                end
            end
        end
    end

    assign open     = (step == S_OPEN);
    assign progress = open ? 3'd6 : step;
endmodule
