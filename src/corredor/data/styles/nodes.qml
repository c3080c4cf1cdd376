<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<!-- corredor nodes: marker by kind (ports triangles, crossings diamonds, plants squares); labels: ports, crossings, plants, US regions -->
<qgis version="3.22.16" styleCategories="Symbology|Labeling" labelsEnabled="1">
  <renderer-v2 type="categorizedSymbol" attr="kind" symbollevels="0" forceraster="0" enableorderby="0">
    <categories>
      <category render="true" symbol="0" value="city" label="City"/>
      <category render="true" symbol="1" value="junction" label="Junction / bridge end"/>
      <category render="true" symbol="2" value="port" label="Seaport"/>
      <category render="true" symbol="3" value="plant" label="Assembly plant"/>
      <category render="true" symbol="4" value="border_crossing" label="Border crossing"/>
      <category render="true" symbol="5" value="us_gateway" label="US gateway"/>
      <category render="true" symbol="6" value="us_region" label="US region"/>
      <category render="true" symbol="7" value="foreign_city" label="Guatemalan place"/>
      <category render="true" symbol="8" value="supplier" label="Supplier"/>
    </categories>
    <symbols>
      <symbol type="marker" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" locked="0" pass="0"><prop k="name" v="circle"/><prop k="color" v="255,255,255,255"/><prop k="outline_color" v="35,35,35,255"/><prop k="outline_width" v="0.2"/><prop k="outline_width_unit" v="MM"/><prop k="size" v="1.4"/><prop k="size_unit" v="MM"/></layer>
      </symbol>
      <symbol type="marker" name="1" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" locked="0" pass="0"><prop k="name" v="circle"/><prop k="color" v="127,140,141,255"/><prop k="outline_color" v="35,35,35,255"/><prop k="outline_width" v="0.2"/><prop k="outline_width_unit" v="MM"/><prop k="size" v="1.0"/><prop k="size_unit" v="MM"/></layer>
      </symbol>
      <symbol type="marker" name="2" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" locked="0" pass="0"><prop k="name" v="triangle"/><prop k="color" v="26,188,156,255"/><prop k="outline_color" v="35,35,35,255"/><prop k="outline_width" v="0.2"/><prop k="outline_width_unit" v="MM"/><prop k="size" v="3.0"/><prop k="size_unit" v="MM"/></layer>
      </symbol>
      <symbol type="marker" name="3" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" locked="0" pass="0"><prop k="name" v="square"/><prop k="color" v="52,73,94,255"/><prop k="outline_color" v="35,35,35,255"/><prop k="outline_width" v="0.2"/><prop k="outline_width_unit" v="MM"/><prop k="size" v="2.2"/><prop k="size_unit" v="MM"/></layer>
      </symbol>
      <symbol type="marker" name="4" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" locked="0" pass="0"><prop k="name" v="diamond"/><prop k="color" v="142,68,173,255"/><prop k="outline_color" v="35,35,35,255"/><prop k="outline_width" v="0.2"/><prop k="outline_width_unit" v="MM"/><prop k="size" v="3.0"/><prop k="size_unit" v="MM"/></layer>
      </symbol>
      <symbol type="marker" name="5" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" locked="0" pass="0"><prop k="name" v="diamond"/><prop k="color" v="142,68,173,255"/><prop k="outline_color" v="35,35,35,255"/><prop k="outline_width" v="0.2"/><prop k="outline_width_unit" v="MM"/><prop k="size" v="2.6"/><prop k="size_unit" v="MM"/></layer>
      </symbol>
      <symbol type="marker" name="6" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" locked="0" pass="0"><prop k="name" v="circle"/><prop k="color" v="46,134,193,255"/><prop k="outline_color" v="35,35,35,255"/><prop k="outline_width" v="0.2"/><prop k="outline_width_unit" v="MM"/><prop k="size" v="2.0"/><prop k="size_unit" v="MM"/></layer>
      </symbol>
      <symbol type="marker" name="7" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" locked="0" pass="0"><prop k="name" v="circle"/><prop k="color" v="22,160,133,255"/><prop k="outline_color" v="35,35,35,255"/><prop k="outline_width" v="0.2"/><prop k="outline_width_unit" v="MM"/><prop k="size" v="1.6"/><prop k="size_unit" v="MM"/></layer>
      </symbol>
      <symbol type="marker" name="8" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" locked="0" pass="0"><prop k="name" v="star"/><prop k="color" v="231,76,60,255"/><prop k="outline_color" v="35,35,35,255"/><prop k="outline_width" v="0.2"/><prop k="outline_width_unit" v="MM"/><prop k="size" v="3.0"/><prop k="size_unit" v="MM"/></layer>
      </symbol>
    </symbols>
  </renderer-v2>
  <labeling type="simple">
    <settings calloutType="simple">
      <text-style fieldName="CASE WHEN &quot;kind&quot; IN ('port', 'border_crossing', 'us_region', 'plant') THEN &quot;name&quot; END" isExpression="1" fontFamily="Sans Serif" fontSize="8" fontSizeUnit="Point" textColor="40,40,40,255" textOpacity="1" fontWeight="50" namedStyle="Regular" multilineHeight="1">
        <text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="1" bufferNoFill="1" bufferJoinStyle="128"/>
      </text-style>
      <placement placement="0" dist="1" distUnits="MM" priority="5"/>
      <rendering obstacle="1" displayAll="0" upsidedownLabels="0" scaleVisibility="0" drawLabels="1"/>
    </settings>
  </labeling>
</qgis>
