<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<!-- corredor flow difference between two runs (second minus first, worst days): diverging RdBu, width by |difference| -->
<qgis version="3.22.16" styleCategories="Symbology">
  <renderer-v2 type="graduatedSymbol" attr="flow_difference_trucks_day" graduatedMethod="GraduatedColor" symbollevels="0" forceraster="0" enableorderby="1">
    <ranges>
      <range render="true" symbol="0" lower="-1000000" upper="-500" label="fewer trucks: over 500/day"/>
      <range render="true" symbol="1" lower="-500" upper="-100" label="fewer: 100 to 500/day"/>
      <range render="true" symbol="2" lower="-100" upper="-10" label="fewer: 10 to 100/day"/>
      <range render="true" symbol="3" lower="-10" upper="-0.5" label="fewer: under 10/day"/>
      <range render="true" symbol="4" lower="-0.5" upper="0.5" label="no change (under half a truck/day)"/>
      <range render="true" symbol="5" lower="0.5" upper="10" label="more: under 10/day"/>
      <range render="true" symbol="6" lower="10" upper="100" label="more: 10 to 100/day"/>
      <range render="true" symbol="7" lower="100" upper="500" label="more: 100 to 500/day"/>
      <range render="true" symbol="8" lower="500" upper="1000000" label="more trucks: over 500/day"/>
    </ranges>
    <symbols>
      <symbol type="line" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="33,102,172,255"/><prop k="line_width" v="1"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/><data_defined_properties><Option type="Map"><Option name="name" value="" type="QString"/><Option name="properties" type="Map"><Option name="outlineWidth" type="Map"><Option name="active" value="true" type="bool"/><Option name="expression" value='scale_linear(abs(coalesce("flow_difference_trucks_day", 0)), 0, 1000, 0.4, 3.5)' type="QString"/><Option name="type" value="3" type="int"/></Option></Option><Option name="type" value="collection" type="QString"/></Option></data_defined_properties></layer>
      </symbol>
      <symbol type="line" name="1" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="67,147,195,255"/><prop k="line_width" v="1"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/><data_defined_properties><Option type="Map"><Option name="name" value="" type="QString"/><Option name="properties" type="Map"><Option name="outlineWidth" type="Map"><Option name="active" value="true" type="bool"/><Option name="expression" value='scale_linear(abs(coalesce("flow_difference_trucks_day", 0)), 0, 1000, 0.4, 3.5)' type="QString"/><Option name="type" value="3" type="int"/></Option></Option><Option name="type" value="collection" type="QString"/></Option></data_defined_properties></layer>
      </symbol>
      <symbol type="line" name="2" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="146,197,222,255"/><prop k="line_width" v="1"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/><data_defined_properties><Option type="Map"><Option name="name" value="" type="QString"/><Option name="properties" type="Map"><Option name="outlineWidth" type="Map"><Option name="active" value="true" type="bool"/><Option name="expression" value='scale_linear(abs(coalesce("flow_difference_trucks_day", 0)), 0, 1000, 0.4, 3.5)' type="QString"/><Option name="type" value="3" type="int"/></Option></Option><Option name="type" value="collection" type="QString"/></Option></data_defined_properties></layer>
      </symbol>
      <symbol type="line" name="3" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="209,229,240,255"/><prop k="line_width" v="1"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/><data_defined_properties><Option type="Map"><Option name="name" value="" type="QString"/><Option name="properties" type="Map"><Option name="outlineWidth" type="Map"><Option name="active" value="true" type="bool"/><Option name="expression" value='scale_linear(abs(coalesce("flow_difference_trucks_day", 0)), 0, 1000, 0.4, 3.5)' type="QString"/><Option name="type" value="3" type="int"/></Option></Option><Option name="type" value="collection" type="QString"/></Option></data_defined_properties></layer>
      </symbol>
      <symbol type="line" name="4" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="217,217,217,255"/><prop k="line_width" v="0.25"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/><data_defined_properties><Option type="Map"><Option name="name" value="" type="QString"/><Option name="properties" type="Map"><Option name="outlineWidth" type="Map"><Option name="active" value="true" type="bool"/><Option name="expression" value='scale_linear(abs(coalesce("flow_difference_trucks_day", 0)), 0, 1000, 0.4, 3.5)' type="QString"/><Option name="type" value="3" type="int"/></Option></Option><Option name="type" value="collection" type="QString"/></Option></data_defined_properties></layer>
      </symbol>
      <symbol type="line" name="5" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="253,219,199,255"/><prop k="line_width" v="1"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/><data_defined_properties><Option type="Map"><Option name="name" value="" type="QString"/><Option name="properties" type="Map"><Option name="outlineWidth" type="Map"><Option name="active" value="true" type="bool"/><Option name="expression" value='scale_linear(abs(coalesce("flow_difference_trucks_day", 0)), 0, 1000, 0.4, 3.5)' type="QString"/><Option name="type" value="3" type="int"/></Option></Option><Option name="type" value="collection" type="QString"/></Option></data_defined_properties></layer>
      </symbol>
      <symbol type="line" name="6" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="244,165,130,255"/><prop k="line_width" v="1"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/><data_defined_properties><Option type="Map"><Option name="name" value="" type="QString"/><Option name="properties" type="Map"><Option name="outlineWidth" type="Map"><Option name="active" value="true" type="bool"/><Option name="expression" value='scale_linear(abs(coalesce("flow_difference_trucks_day", 0)), 0, 1000, 0.4, 3.5)' type="QString"/><Option name="type" value="3" type="int"/></Option></Option><Option name="type" value="collection" type="QString"/></Option></data_defined_properties></layer>
      </symbol>
      <symbol type="line" name="7" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="214,96,77,255"/><prop k="line_width" v="1"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/><data_defined_properties><Option type="Map"><Option name="name" value="" type="QString"/><Option name="properties" type="Map"><Option name="outlineWidth" type="Map"><Option name="active" value="true" type="bool"/><Option name="expression" value='scale_linear(abs(coalesce("flow_difference_trucks_day", 0)), 0, 1000, 0.4, 3.5)' type="QString"/><Option name="type" value="3" type="int"/></Option></Option><Option name="type" value="collection" type="QString"/></Option></data_defined_properties></layer>
      </symbol>
      <symbol type="line" name="8" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="178,24,43,255"/><prop k="line_width" v="1"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/><data_defined_properties><Option type="Map"><Option name="name" value="" type="QString"/><Option name="properties" type="Map"><Option name="outlineWidth" type="Map"><Option name="active" value="true" type="bool"/><Option name="expression" value='scale_linear(abs(coalesce("flow_difference_trucks_day", 0)), 0, 1000, 0.4, 3.5)' type="QString"/><Option name="type" value="3" type="int"/></Option></Option><Option name="type" value="collection" type="QString"/></Option></data_defined_properties></layer>
      </symbol>
    </symbols>
    <orderby><orderByClause asc="1" nullsFirst="1">abs(coalesce("flow_difference_trucks_day", 0))</orderByClause></orderby>
  </renderer-v2>
</qgis>
