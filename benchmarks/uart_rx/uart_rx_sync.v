// uart_rx_sync: two-flop synchronizer for the serial line; resets to the idle level 1.
module uart_rx_sync (
    input  wire clk,
    input  wire rst_n,
    input  wire d,
    output wire q
);
    reg [1:0] stages;

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) stages <= 2'b11;
        else stages <= {stages[0], d};
    end

    assign q = stages[1];
endmodule
