<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<!-- corredor link criticality: graduated YlOrRd on rank (1 = costliest closure); unranked links (abroad) are not drawn; labels: rank of the top 10 -->
<qgis version="3.22.16" styleCategories="Symbology|Labeling" labelsEnabled="1">
  <renderer-v2 type="graduatedSymbol" attr="rank" graduatedMethod="GraduatedColor" symbollevels="0" forceraster="0" enableorderby="1">
    <ranges>
      <range render="true" symbol="0" lower="0.5" upper="10.5" label="rank 1 to 10"/>
      <range render="true" symbol="1" lower="10.5" upper="25.5" label="rank 11 to 25"/>
      <range render="true" symbol="2" lower="25.5" upper="50.5" label="rank 26 to 50"/>
      <range render="true" symbol="3" lower="50.5" upper="100.5" label="rank 51 to 100"/>
      <range render="true" symbol="4" lower="100.5" upper="1000000" label="rank over 100"/>
    </ranges>
    <symbols>
      <symbol type="line" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="189,0,38,255"/><prop k="line_width" v="2.8"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
      <symbol type="line" name="1" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="240,59,32,255"/><prop k="line_width" v="2.0"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
      <symbol type="line" name="2" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="253,141,60,255"/><prop k="line_width" v="1.4"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
      <symbol type="line" name="3" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="254,204,92,255"/><prop k="line_width" v="0.8"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
      <symbol type="line" name="4" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="255,255,178,255"/><prop k="line_width" v="0.4"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
    </symbols>
    <orderby><orderByClause asc="1" nullsFirst="1">-coalesce("rank", 1000000)</orderByClause></orderby>
  </renderer-v2>
  <labeling type="simple">
    <settings calloutType="simple">
      <text-style fieldName="CASE WHEN &quot;rank&quot; &lt;= 10 THEN to_string(&quot;rank&quot;) END" isExpression="1" fontFamily="Sans Serif" fontSize="9" fontSizeUnit="Point" textColor="40,40,40,255" textOpacity="1" fontWeight="50" namedStyle="Regular" multilineHeight="1">
        <text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="1" bufferNoFill="1" bufferJoinStyle="128"/>
      </text-style>
      <placement placement="2" dist="1" distUnits="MM" priority="5"/>
      <rendering obstacle="1" displayAll="0" upsidedownLabels="0" scaleVisibility="0" drawLabels="1"/>
    </settings>
  </labeling>
</qgis>
