<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<!-- corredor plant risk: each plant's critical supply elements, red where the plant is at risk (TTR > TTS), grey where it survives the element's recovery -->
<qgis version="3.22.16" styleCategories="Symbology|Labeling" labelsEnabled="1">
  <renderer-v2 type="categorizedSymbol" attr="at_risk" symbollevels="0" forceraster="0" enableorderby="0">
    <categories>
      <category render="true" symbol="0" value="1" label="plant at risk (TTR &gt; TTS)"/>
      <category render="true" symbol="1" value="0" label="plant survives the recovery"/>
    </categories>
    <symbols>
      <symbol type="line" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="192,57,43,255"/><prop k="line_width" v="1.8"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
      <symbol type="line" name="1" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0"><prop k="line_color" v="127,140,141,255"/><prop k="line_width" v="1.0"/><prop k="line_width_unit" v="MM"/><prop k="line_style" v="solid"/><prop k="capstyle" v="round"/><prop k="joinstyle" v="round"/></layer>
      </symbol>
    </symbols>
  </renderer-v2>
  <labeling type="simple">
    <settings calloutType="simple">
      <text-style fieldName="&quot;plant&quot; || ': TTS ' || round(&quot;tts_days&quot;, 1) || ' d'" isExpression="1" fontFamily="Sans Serif" fontSize="8" fontSizeUnit="Point" textColor="40,40,40,255" textOpacity="1" fontWeight="50" namedStyle="Regular" multilineHeight="1">
        <text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="1" bufferNoFill="1" bufferJoinStyle="128"/>
      </text-style>
      <placement placement="0" dist="1" distUnits="MM" priority="5"/>
      <rendering obstacle="1" displayAll="0" upsidedownLabels="0" scaleVisibility="0" drawLabels="1"/>
    </settings>
  </labeling>
</qgis>
