// sync_word: frame synchroniser for a serial bit stream, one bit `din` per cycle. Every
// bit shifts into a 32-bit register (no enable, no branch on the way); the register is
// compared with the attached sync marker 32'h1ACFFC1D. While hunting, a match locks
// onto the stream. Locked, frames are 64 bits long (32 payload bits, then the next
// marker): at each frame end the marker must be in the register again, an inverted
// marker flips the polarity, and two misses in a row lose the lock. Eight zero bits in
// a row raise `los` (loss of signal). Synchronous active-high reset.
module sync_word (
    input  wire       clk,
    input  wire       rst,
    input  wire       din,
    output reg        locked,
    output reg        inverted,
    output reg        frame_ok,
    output reg        los,
    output reg  [3:0] frames
);
    localparam [31:0] ASM      = 32'h1ACFFC1D;
    localparam [5:0]  LAST_BIT = 6'd63;

    reg [31:0] sr;
    reg [5:0]  bit_count;
    reg        missed;

    always @(posedge clk) begin
        if (rst) begin
            sr        <= 32'd0;
            bit_count <= 6'd0;
            missed    <= 1'b0;
            locked    <= 1'b0;
            inverted  <= 1'b0;
            frame_ok  <= 1'b0;
            los       <= 1'b0;
            frames    <= 4'd0;
        end else begin
            sr       <= {sr[30:0], din};
            frame_ok <= 1'b0;
            los      <= 1'b0;
            if (sr[7:0] == 8'h00) los <= 1'b1;
            if (!locked) begin
                if (sr == ASM) begin
                    locked    <= 1'b1;
                    bit_count <= 6'd0;
                    missed    <= 1'b0;
                end
            end else if (bit_count != LAST_BIT) begin
                bit_count <= bit_count + 6'd1;
            end else begin
                bit_count <= 6'd0;
                if (sr == ASM) begin
                    frame_ok <= 1'b1;
                    missed   <= 1'b0;
                    frames   <= frames + 4'd1;
                end else if (sr == ~ASM) begin
                    inverted <= ~inverted;
                    missed   <= 1'b0;
                end else if (missed) begin
                    locked <= 1'b0;
                end else begin
                    missed <= 1'b1;
                end
            end
        end
    end
endmodule
