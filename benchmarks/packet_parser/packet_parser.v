// packet_parser: parses a byte stream (one byte per cycle with `in_valid` high).
// A packet is: header 8'hA5, a length byte (1..8, anything else is a length error),
// that many payload bytes, then a checksum byte equal to the XOR of the length and all
// payload bytes. A good packet pulses `good`, a wrong checksum pulses `bad_checksum`.
// A first payload byte of 8'hFF marks a command packet. In the middle of a packet, 12
// cycles without a valid byte abort it (`timeout`). Asynchronous active-low reset.
module packet_parser (
    input  wire       clk,
    input  wire       rst_n,
    input  wire       in_valid,
    input  wire [7:0] in_byte,
    output reg        good,
    output reg        bad_checksum,
    output reg        len_error,
    output reg        timeout,
    output reg        is_command,
    output reg  [3:0] good_count
);
    localparam [7:0] HEADER  = 8'hA5;
    localparam [7:0] CMD_TAG = 8'hFF;
    localparam [7:0] MAX_LEN = 8'd8;
    localparam [3:0] IDLE_LIMIT = 4'd11;

    localparam S_HEADER   = 2'd0;
    localparam S_LENGTH   = 2'd1;
    localparam S_PAYLOAD  = 2'd2;
    localparam S_CHECKSUM = 2'd3;

    reg [1:0] state;
    reg [3:0] remaining;
    reg [7:0] checksum;
    reg [3:0] idle;
    reg       first;   // the next payload byte is the first one

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            state        <= S_HEADER;
            remaining    <= 4'd0;
            checksum     <= 8'h00;
            idle         <= 4'd0;
            first        <= 1'b0;
            good         <= 1'b0;
            bad_checksum <= 1'b0;
            len_error    <= 1'b0;
            timeout      <= 1'b0;
            is_command   <= 1'b0;
            good_count   <= 4'd0;
        end else begin
            good         <= 1'b0;
            bad_checksum <= 1'b0;
            len_error    <= 1'b0;
            timeout      <= 1'b0;
            if (!in_valid) begin
                if (state != S_HEADER) begin
                    if (idle == IDLE_LIMIT) begin
                        timeout <= 1'b1;
                        state   <= S_HEADER;
                        idle    <= 4'd0;
                    end else begin
                        idle <= idle + 4'd1;
                    end
                end
            end else begin
                idle <= 4'd0;
                case (state)
                    S_HEADER: begin
                        if (in_byte == HEADER) state <= S_LENGTH;
                    end
                    S_LENGTH: begin
                        if (in_byte == 8'd0 || in_byte > MAX_LEN) begin
                            len_error <= 1'b1;
                            state     <= S_HEADER;
                        end else begin
                            remaining  <= in_byte[3:0];
                            checksum   <= in_byte;
                            is_command <= 1'b0;
                            first      <= 1'b1;
                            state      <= S_PAYLOAD;
                        end
                    end
                    S_PAYLOAD: begin
                        checksum  <= checksum ^ in_byte;
                        remaining <= remaining - 4'd1;
                        if (remaining == 4'd1) state <= S_CHECKSUM;
                        first     <= 1'b0;
                        if (first && in_byte == CMD_TAG) is_command <= 1'b1;
                    end
                    S_CHECKSUM: begin
                        state <= S_HEADER;
                        if (in_byte == checksum) begin
                            good       <= 1'b1;
                            good_count <= (good_count == 4'd15) ? 4'd0 : good_count + 4'd1;
                        end else begin
                            bad_checksum <= 1'b1;
                        end
                    end
                endcase
            end
        end
    end
endmodule
