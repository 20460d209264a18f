"""Soluções de referência do Módulo II: funções que devolvem dados simples (JSON)."""
