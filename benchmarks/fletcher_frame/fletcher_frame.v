// fletcher_frame: receives frames of bytes, one byte per cycle with `valid` high. A byte
// with `start` high opens a frame and is its length (4..8 payload bytes; anything else is
// a length error, a start in the middle of a frame aborts it). Then come the payload
// bytes and two check bytes, ck_a and ck_b, as in an 8-bit Fletcher checksum: ck_a is
// the sum of the length and the payload bytes, ck_b the sum of the successive ck_a values
// (both mod 256). A good frame runs the command in its first payload byte: 8'h01 writes
// the second payload byte to `config_reg`, 8'h02 clears it, 8'h03 pings. Asynchronous
// active-low reset.
module fletcher_frame (
    input  wire       clk,
    input  wire       rst_n,
    input  wire       valid,
    input  wire       start,
    input  wire [7:0] data,
    output reg        good,
    output reg        bad_a,
    output reg        bad_b,
    output reg        len_error,
    output reg        aborted,
    output reg        stray,
    output reg        pinged,
    output reg        unknown_cmd,
    output reg  [7:0] config_reg
);
    localparam [7:0] MIN_LEN = 8'd4;
    localparam [7:0] MAX_LEN = 8'd8;

    localparam [7:0] CMD_WRITE = 8'h01;
    localparam [7:0] CMD_CLEAR = 8'h02;
    localparam [7:0] CMD_PING  = 8'h03;

    localparam [1:0] S_IDLE    = 2'd0;
    localparam [1:0] S_PAYLOAD = 2'd1;
    localparam [1:0] S_CK_A    = 2'd2;
    localparam [1:0] S_CK_B    = 2'd3;

    reg [1:0] state;
    reg [3:0] count;     // payload bytes received so far
    reg [3:0] length;
    reg [7:0] ck_a;
    reg [7:0] ck_b;
    reg [7:0] cmd;
    reg [7:0] arg;

    wire [7:0] next_a = ck_a + data;

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            state       <= S_IDLE;
            count       <= 4'd0;
            length      <= 4'd0;
            ck_a        <= 8'd0;
            ck_b        <= 8'd0;
            cmd         <= 8'd0;
            arg         <= 8'd0;
            good        <= 1'b0;
            bad_a       <= 1'b0;
            bad_b       <= 1'b0;
            len_error   <= 1'b0;
            aborted     <= 1'b0;
            stray       <= 1'b0;
            pinged      <= 1'b0;
            unknown_cmd <= 1'b0;
            config_reg  <= 8'd0;
        end else begin
            good        <= 1'b0;
            bad_a       <= 1'b0;
            bad_b       <= 1'b0;
            len_error   <= 1'b0;
            aborted     <= 1'b0;
            stray       <= 1'b0;
            pinged      <= 1'b0;
            unknown_cmd <= 1'b0;
            if (valid && start) begin
                if (state != S_IDLE) aborted <= 1'b1;
                if (data < MIN_LEN || data > MAX_LEN) begin
                    len_error <= 1'b1;
                    state     <= S_IDLE;
                end else begin
                    state  <= S_PAYLOAD;
                    length <= data[3:0];
                    count  <= 4'd0;
                    ck_a   <= data;
                    ck_b   <= data;
                end
            end else if (valid) begin
                case (state)
                    S_IDLE: stray <= 1'b1;
                    S_PAYLOAD: begin
                        ck_a  <= next_a;
                        ck_b  <= ck_b + next_a;
                        count <= count + 4'd1;
                        if (count == 4'd0) cmd <= data;
                        if (count == 4'd1) arg <= data;
                        if (count + 4'd1 == length) state <= S_CK_A;
                    end
                    S_CK_A: begin
                        if (data == ck_a) begin
                            state <= S_CK_B;
                        end else begin
                            bad_a <= 1'b1;
                            state <= S_IDLE;
                        end
                    end
                    S_CK_B: begin
                        state <= S_IDLE;
                        if (data == ck_b) begin
                            good <= 1'b1;
                            case (cmd)
                                CMD_WRITE: config_reg <= arg;
                                CMD_CLEAR: config_reg <= 8'd0;
                                CMD_PING:  pinged <= 1'b1;
                                default:   unknown_cmd <= 1'b1;
                            endcase
                        end else begin
                            bad_b <= 1'b1;
                        end
                    end
                endcase
            end
        end
    end
endmodule
