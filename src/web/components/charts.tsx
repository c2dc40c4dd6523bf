import {
  Area,
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { time } from '../format.ts';

/** Recharts wrappers with the axes and formats the pages share. */

export const PALETTE = [
  '#2563eb',
  '#f97316',
  '#16a34a',
  '#9333ea',
  '#dc2626',
  '#0891b2',
  '#ca8a04',
  '#64748b',
];

export interface DualSeries {
  key: string;
  name: string;
  axis: 'left' | 'right';
  kind?: 'line' | 'area' | 'bar';
  color?: string;
}

/** Two quantities on one time axis (left and right scales): latency and dollars, rate and latency. */
export function DualAxisChart({
  data,
  series,
  left,
  right,
  height = 260,
}: {
  data: Record<string, number | null>[];
  series: DualSeries[];
  left: { label: string; format: (v: number) => string };
  right: { label: string; format: (v: number) => string };
  height?: number;
}) {
  return (
    <ResponsiveContainer width="100%" height={height}>
      <ComposedChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 12 }}>
        <CartesianGrid stroke="#e5e7eb" vertical={false} />
        <XAxis dataKey="t" tickFormatter={(v: number) => time(v).slice(0, 5)} minTickGap={40} />
        <YAxis
          yAxisId="left"
          tickFormatter={left.format}
          width={70}
          label={{ value: left.label, angle: -90, position: 'insideLeft', style: { fontSize: 11 } }}
        />
        <YAxis
          yAxisId="right"
          orientation="right"
          tickFormatter={right.format}
          width={70}
          label={{ value: right.label, angle: 90, position: 'insideRight', style: { fontSize: 11 } }}
        />
        <Tooltip
          labelFormatter={(v) => time(Number(v))}
          formatter={(value, name, item) => {
            const s = series.find((x) => x.name === name || x.key === item.dataKey);
            const f = s?.axis === 'right' ? right.format : left.format;
            return [typeof value === 'number' ? f(value) : String(value), name];
          }}
        />
        <Legend />
        {series.map((s, i) => {
          const color = s.color ?? PALETTE[i % PALETTE.length];
          const common = {
            key: s.key,
            dataKey: s.key,
            name: s.name,
            yAxisId: s.axis,
            isAnimationActive: false,
          };
          if (s.kind === 'bar') return <Bar {...common} fill={color} opacity={0.5} />;
          if (s.kind === 'area') return <Area {...common} stroke={color} fill={color} fillOpacity={0.15} />;
          return <Line {...common} stroke={color} dot={false} strokeWidth={2} connectNulls />;
        })}
      </ComposedChart>
    </ResponsiveContainer>
  );
}

/** Horizontal 100 % stacked bars: one row per group, one segment per part. */
export function StackedShareChart({
  data,
  parts,
  labelKey,
  height,
}: {
  data: Record<string, string | number>[];
  parts: { key: string; name: string; color: string }[];
  labelKey: string;
  height?: number;
}) {
  return (
    <ResponsiveContainer width="100%" height={height ?? Math.max(120, data.length * 34 + 60)}>
      <BarChart data={data} layout="vertical" margin={{ top: 4, right: 16, bottom: 4, left: 16 }}>
        <XAxis type="number" domain={[0, 1]} tickFormatter={(v: number) => `${Math.round(v * 100)}%`} />
        <YAxis type="category" dataKey={labelKey} width={190} tick={{ fontSize: 11 }} />
        <Tooltip formatter={(v) => `${(Number(v) * 100).toFixed(1)} %`} />
        <Legend />
        {parts.map((p) => (
          <Bar
            key={p.key}
            dataKey={p.key}
            name={p.name}
            stackId="a"
            fill={p.color}
            isAnimationActive={false}
          />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}
