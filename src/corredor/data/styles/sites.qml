<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<!-- corredor sourcing sites: the buyer a star, candidates circles; labels: site names -->
<qgis version="3.22.16" styleCategories="Symbology|Labeling" labelsEnabled="1">
  <renderer-v2 type="categorizedSymbol" attr="role" symbollevels="0" forceraster="0" enableorderby="0">
    <categories>
      <category render="true" symbol="0" value="buyer" label="buyer"/>
      <category render="true" symbol="1" value="candidate" label="candidate supplier"/>
    </categories>
    <symbols>
      <symbol type="marker" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" locked="0" pass="0"><prop k="name" v="star"/><prop k="color" v="255,255,255,255"/><prop k="outline_color" v="0,0,0,255"/><prop k="size" v="5"/><prop k="size_unit" v="MM"/></layer>
      </symbol>
      <symbol type="marker" name="1" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" locked="0" pass="0"><prop k="name" v="circle"/><prop k="color" v="255,255,255,255"/><prop k="outline_color" v="0,0,0,255"/><prop k="size" v="3"/><prop k="size_unit" v="MM"/></layer>
      </symbol>
    </symbols>
  </renderer-v2>
  <labeling type="simple">
    <settings calloutType="simple">
      <text-style fieldName="&quot;site&quot;" isExpression="1" fontFamily="Sans Serif" fontSize="8" fontSizeUnit="Point" textColor="40,40,40,255" textOpacity="1" fontWeight="50" namedStyle="Regular" multilineHeight="1">
        <text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="1" bufferNoFill="1" bufferJoinStyle="128"/>
      </text-style>
      <placement placement="0" dist="1" distUnits="MM" priority="5"/>
      <rendering obstacle="1" displayAll="0" upsidedownLabels="0" scaleVisibility="0" drawLabels="1"/>
    </settings>
  </labeling>
</qgis>
