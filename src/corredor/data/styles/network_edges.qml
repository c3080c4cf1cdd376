<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<!-- corredor network edges: colour and width by road class; labels: route number of motorways and trunk roads -->
<qgis version="3.22.16" styleCategories="Symbology|Labeling" labelsEnabled="1">
  <renderer-v2 type="categorizedSymbol" attr="road_class" symbollevels="0" forceraster="0" enableorderby="1">
    <categories>
      <category render="true" symbol="0" value="motorway" label="Motorway (cuota)"/>
      <category render="true" symbol="1" value="trunk" label="Trunk (4-lane libre)"/>
      <category render="true" symbol="2" value="primary" label="Primary (2-lane libre)"/>
      <category render="true" symbol="3" value="secondary" label="Secondary"/>
      <category render="true" symbol="4" value="tertiary" label="Tertiary"/>
      <category render="true" symbol="5" value="border" label="Border crossing"/>
      <category render="true" symbol="6" value="port_access" label="Port access"/>
      <category render="true" symbol="7" value="connector" label="Plant / facility connector"/>
      <category render="true" symbol="8" value="us_highway" label="US interstate"/>
      <category render="true" symbol="9" value="foreign_highway" label="Guatemalan highway"/>
    </categories>
    <symbols>
      <symbol type="line" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="192,57,43,255"/><prop k="line_width" v="0.6"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
      <symbol type="line" name="1" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="230,126,34,255"/><prop k="line_width" v="0.5"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
      <symbol type="line" name="2" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="241,196,15,255"/><prop k="line_width" v="0.4"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
      <symbol type="line" name="3" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="149,165,166,255"/><prop k="line_width" v="0.3"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
      <symbol type="line" name="4" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="189,195,199,255"/><prop k="line_width" v="0.25"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
      <symbol type="line" name="5" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="142,68,173,255"/><prop k="line_width" v="0.8"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
      <symbol type="line" name="6" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="26,188,156,255"/><prop k="line_width" v="0.5"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
      <symbol type="line" name="7" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="127,140,141,255"/><prop k="line_width" v="0.3"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
      <symbol type="line" name="8" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="46,134,193,255"/><prop k="line_width" v="0.4"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
      <symbol type="line" name="9" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="22,160,133,255"/><prop k="line_width" v="0.4"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
    </symbols>
    <orderby><orderByClause asc="1" nullsFirst="1">coalesce("baseline_flow_trucks_day", 0)</orderByClause></orderby>
  </renderer-v2>
  <labeling type="simple">
    <settings calloutType="simple">
      <text-style fieldName="CASE WHEN &quot;road_class&quot; IN ('motorway', 'trunk') THEN &quot;ref&quot; END" isExpression="1" fontFamily="Sans Serif" fontSize="7" fontSizeUnit="Point" textColor="40,40,40,255" textOpacity="1" fontWeight="50" namedStyle="Regular" multilineHeight="1">
        <text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="1" bufferNoFill="1" bufferJoinStyle="128"/>
      </text-style>
      <placement placement="2" dist="1" distUnits="MM" priority="5"/>
      <rendering obstacle="1" displayAll="0" upsidedownLabels="0" scaleVisibility="0" drawLabels="1"/>
    </settings>
  </labeling>
</qgis>
