// A counter that counts enabled cycles, and a submodule FSM that steps on `go`: the state
// probe's values must be exactly what the design does, cycle by cycle.
module counted (
    input  wire       clk,
    input  wire       rst,
    input  wire       en,
    input  wire       go,
    output wire       done
);
    reg  [7:0] count;
    wire       big = (count > 8'd3);

    always @(posedge clk) begin
        if (rst) count <= 8'd0;
        else if (en) count <= count + 8'd1;
    end

    stepper u_step (.clk(clk), .rst(rst), .go(go && big), .done(done));
endmodule

module stepper (
    input  wire clk,
    input  wire rst,
    input  wire go,
    output wire done
);
    localparam [1:0] S_IDLE = 2'd0, S_ONE = 2'd1, S_TWO = 2'd2;
    reg [1:0] state;

    always @(posedge clk) begin
        if (rst) state <= S_IDLE;
        else if (go) begin
            case (state)
                S_IDLE: state <= S_ONE;
                S_ONE: state <= S_TWO;
                default: state <= state;
            endcase
        end
    end

    assign done = (state == S_TWO);
endmodule
