// traffic_light: a crossing of a north-south and an east-west road with a pedestrian
// button. North-south stays green (at least GREEN_TIME cycles) until a car waits on the
// east-west road or a pedestrian asked; east-west green lasts GREEN_TIME cycles. Every
// change passes through yellow and all-red; a pending pedestrian request is served with
// a walk phase during all-red. Synchronous active-high reset.
module traffic_light #(
    parameter [3:0] GREEN_TIME  = 4'd8,
    parameter [3:0] YELLOW_TIME = 4'd3,
    parameter [3:0] RED_TIME    = 4'd1,
    parameter [3:0] WALK_TIME   = 4'd6
) (
    input  wire       clk,
    input  wire       reset,
    input  wire       car_ew,
    input  wire       ped_button,
    output wire [1:0] ns_light,
    output wire [1:0] ew_light,
    output wire       walk,
    output reg        ped_pending
);
    localparam RED    = 2'd0;
    localparam YELLOW = 2'd1;
    localparam GREEN  = 2'd2;

    localparam S_NS_GREEN  = 3'd0;
    localparam S_NS_YELLOW = 3'd1;
    localparam S_ALL_RED   = 3'd2;
    localparam S_EW_GREEN  = 3'd3;
    localparam S_EW_YELLOW = 3'd4;
    localparam S_WALK      = 3'd5;

    reg [2:0] state;
    reg [3:0] timer;
    reg       ns_next;   // which road gets green after all-red

    always @(posedge clk) begin
        if (reset) begin
            state       <= S_NS_GREEN;
            timer       <= GREEN_TIME;
            ns_next     <= 1'b0;
            ped_pending <= 1'b0;
        end else begin
            if (ped_button) ped_pending <= 1'b1;
            if (timer != 4'd0) begin
                timer <= timer - 4'd1;
            end else begin
                case (state)
                    S_NS_GREEN: begin
                        if (car_ew || ped_pending) begin
                            state   <= S_NS_YELLOW;
                            timer   <= YELLOW_TIME;
                            ns_next <= 1'b0;
                        end
                    end
                    S_NS_YELLOW: begin
                        state <= S_ALL_RED;
                        timer <= RED_TIME;
                    end
                    S_ALL_RED: begin
                        if (ped_pending) begin
                            state       <= S_WALK;
                            timer       <= WALK_TIME;
                            ped_pending <= 1'b0;
                        end else if (ns_next) begin
                            state <= S_NS_GREEN;
                            timer <= GREEN_TIME;
                        end else begin
                            state <= S_EW_GREEN;
                            timer <= GREEN_TIME;
                        end
                    end
                    S_EW_GREEN: begin
                        state   <= S_EW_YELLOW;
                        timer   <= YELLOW_TIME;
                        ns_next <= 1'b1;
                    end
                    S_EW_YELLOW: begin
                        state <= S_ALL_RED;
                        timer <= RED_TIME;
                    end
                    S_WALK: begin
                        state <= S_ALL_RED;
                        timer <= RED_TIME;
                    end
                    default: begin
                        state <= S_NS_GREEN;
                        timer <= GREEN_TIME;
                    end
                endcase
            end
        end
    end

    assign ns_light = (state == S_NS_GREEN) ? GREEN : (state == S_NS_YELLOW) ? YELLOW : RED;
    assign ew_light = (state == S_EW_GREEN) ? GREEN : (state == S_EW_YELLOW) ? YELLOW : RED;
    assign walk     = (state == S_WALK);
endmodule
