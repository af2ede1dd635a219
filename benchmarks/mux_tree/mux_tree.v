// mux_tree: a 4-to-1 mux as nested ternaries, an 8-way case mux, and an output stage
// that combines them with more ternaries.
module mux_tree (
    input  wire [7:0] d0,
    input  wire [7:0] d1,
    input  wire [7:0] d2,
    input  wire [7:0] d3,
    input  wire [1:0] sel_a,
    input  wire [2:0] sel_b,
    input  wire       invert,
    output wire [7:0] y_tree,
    output reg  [7:0] y_case,
    output wire [7:0] y
);
    assign y_tree = sel_a[1] ? (sel_a[0] ? d3 : d2) : (sel_a[0] ? d1 : d0);

    always @* begin
        case (sel_b)
            3'd0: y_case = d0;
            3'd1: y_case = d1;
            3'd2: y_case = d2;
            3'd3: y_case = d3;
            3'd4, 3'd5: y_case = d0 & d1;
            3'd6: y_case = d2 | d3;
            default: y_case = 8'hFF;
        endcase
    end

    wire [7:0] mixed = (y_case == 8'h00) ? d3 : (y_case ^ y_tree);
    assign y = invert ? ~(y_tree ^ y_case) : ((sel_b == 3'd7) ? y_tree : mixed);
endmodule
